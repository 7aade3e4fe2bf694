import { useEffect } from 'preact/hooks';
import { Link } from './link.js';
import { PaperView } from './paper/paper-view.js';
import { useRoute } from './router.js';
import { SearchView } from './search/search-view.js';
import { SystemView } from './system/system-view.js';

/** The page: a header, then the view the URL names. */
export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = route.view === 'paper' ? `${route.id} · paperd` : route.view === 'system' ? 'System · paperd' : 'paperd';
  }, [route]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          paperd
        </Link>
        <nav aria-label="Views">
          <ul>
            <li>
              <Link href="/" aria-current={route.view === 'search' ? 'page' : undefined}>
                Search
              </Link>
            </li>
            <li>
              <Link href="/system" aria-current={route.view === 'system' ? 'page' : undefined}>
                System
              </Link>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main">
        {route.view === 'search' ? <SearchView params={route.params} /> : null}
        {route.view === 'paper' ? <PaperView key={route.id} id={route.id} /> : null}
        {route.view === 'system' ? <SystemView /> : null}
        {route.view === 'missing' ? (
          <section>
            <h1>Nothing at {route.path}</h1>
            <p>
              <Link href="/">Search papers</Link> or see <Link href="/system">the system</Link>.
            </p>
          </section>
        ) : null}
      </main>
    </>
  );
}
