import { count, day } from '../format.js';
import { ExternalLink } from '../link.js';
import type { CodeLinks, Entity } from '../types.js';
import { entityHref, entityLabel } from './entity-links.js';

function release(entity: Entity): string | undefined {
  const r = entity.attrs.latest_release as { tag_name?: string; published_at?: string | null } | undefined;
  return r?.tag_name ? `${r.tag_name}${r.published_at ? ` (${day(r.published_at)})` : ''}` : undefined;
}

function EntityItem(props: { entity: Entity }) {
  const { entity } = props;
  const href = entityHref(entity);
  const label = entityLabel(entity);
  const stars = typeof entity.attrs.stars === 'number' ? entity.attrs.stars : undefined;
  const likes = typeof entity.attrs.likes === 'number' ? entity.attrs.likes : undefined;
  const downloads = typeof entity.attrs.downloads === 'number' ? entity.attrs.downloads : undefined;
  const latest = release(entity);
  const description = typeof entity.attrs.description === 'string' ? entity.attrs.description : undefined;
  return (
    <li class="entity">
      {href ? <ExternalLink href={href}>{label}</ExternalLink> : <span>{label}</span>}
      {stars !== undefined ? <span class="stat" title="GitHub stars">★ {count(stars)}</span> : null}
      {latest ? <span class="stat" title="Latest release">release {latest}</span> : null}
      {likes !== undefined ? <span class="stat" title="Likes on Hugging Face">♥ {count(likes)}</span> : null}
      {downloads !== undefined ? <span class="stat" title="Downloads">↓ {count(downloads)}</span> : null}
      {entity.attrs.archived === true ? <span class="badge">archived</span> : null}
      {description ? <p class="entity-description">{description}</p> : null}
    </li>
  );
}

/** A paper's repositories, models, datasets and Spaces, from the knowledge graph. */
export function CodeLinksPanel(props: { code: CodeLinks }) {
  const groups = [
    ['Repositories', props.code.repositories],
    ['Models', props.code.models],
    ['Datasets', props.code.datasets],
    ['Spaces', props.code.spaces],
  ] as const;
  const any = groups.some(([, list]) => list.length > 0);
  return (
    <section class="panel code-links" aria-labelledby="code-title">
      <h2 id="code-title">Code, models and data</h2>
      {!any ? <p class="muted">Nothing linked yet.</p> : null}
      {groups.map(([title, list]) =>
        list.length > 0 ? (
          <div key={title}>
            <h3>{title}</h3>
            <ul class="entities" aria-label={title}>
              {list.map((l) => (
                <EntityItem key={l.entity.id} entity={l.entity} />
              ))}
            </ul>
          </div>
        ) : null,
      )}
      {props.code.truncated ? <p class="muted">More links exist than are shown.</p> : null}
    </section>
  );
}
