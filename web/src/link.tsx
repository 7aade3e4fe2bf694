import type { ComponentChildren } from 'preact';
import { isPlainClick, navigate } from './router.js';

/** A link within the page: followed without a reload, opened in a tab like any link. */
export function Link(props: { href: string; class?: string | undefined; children: ComponentChildren; 'data-result'?: number; 'aria-current'?: 'page' | undefined }) {
  const { href, children, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (!isPlainClick(e)) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/** A link out of the page: a new tab, no referrer, no window.opener. */
export function ExternalLink(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a href={props.href} class={props.class} target="_blank" rel="noopener noreferrer">
      {props.children}
    </a>
  );
}
