import { expect } from 'chai';
import { snippetParts } from '../web/src/search/snippet-parts.js';
import { searchRequest, searchUrl, stateFromParams } from '../web/src/search/search-state.js';

describe('the web page: snippets and searches in the URL', () => {
  it('reads a snippet as text and marks: entities decoded once, and only <mark> is markup', () => {
    expect(snippetParts('We make <mark>attention</mark> sparse &lt;quickly&gt; &amp; &quot;cheaply&quot; &#39;ok&#39;')).to.deep.equal([
      { text: 'We make ', marked: false },
      { text: 'attention', marked: true },
      { text: ` sparse <quickly> & "cheaply" 'ok'`, marked: false },
    ]);
    // Text that looks like markup arrives escaped and stays text: it never becomes an element.
    expect(snippetParts('&lt;mark&gt;x&lt;/mark&gt; &lt;img src=x onerror=alert(1)&gt;')).to.deep.equal([{ text: '<mark>x</mark> <img src=x onerror=alert(1)>', marked: false }]);
    // Double escaping is undone once, not twice.
    expect(snippetParts('&amp;lt;b&amp;gt;')).to.deep.equal([{ text: '&lt;b&gt;', marked: false }]);
    expect(snippetParts('<mark>a</mark><mark>b</mark>')).to.deep.equal([{ text: 'a', marked: true }, { text: 'b', marked: true }]);
    expect(snippetParts('')).to.deep.equal([]);
  });

  it('keeps a whole search in the page URL and reads it back the same', () => {
    const state = { q: 'sparse attention & more', categories: ['cs.CL', 'cs.LG'], from: '2024-01-01', until: '2024-12-31', hasCode: 'true', mode: 'bm25', page: 3 } as const;
    const url = searchUrl(state);
    expect(url).to.equal('/?q=sparse+attention+%26+more&category=cs.CL&category=cs.LG&from=2024-01-01&until=2024-12-31&hasCode=true&mode=bm25&page=3');
    expect(stateFromParams(new URL(url, 'http://x').searchParams)).to.deep.equal(state);
    expect(searchUrl({ q: '', categories: [], from: '', until: '', hasCode: '', mode: '', page: 1 })).to.equal('/');
  });

  it('asks the API for the page of the state, and ignores what a shared URL cannot mean', () => {
    const state = stateFromParams(new URLSearchParams('q=graph&page=2&from=yesterday&mode=magic&hasCode=maybe&page=x'));
    expect(state).to.deep.include({ q: 'graph', page: 2, from: '', mode: '', hasCode: '' });
    const request = new URL(searchRequest(state)!, 'http://x');
    expect(request.pathname).to.equal('/v1/search');
    expect(Object.fromEntries(request.searchParams)).to.deep.equal({ q: 'graph', limit: '20', offset: '20' });
    expect(searchRequest(stateFromParams(new URLSearchParams('q=%20%20')))).to.equal(undefined);
    expect(stateFromParams(new URLSearchParams('q=a&page=100000')).page).to.equal(500);
  });
});
