/**
 * The parts of Hugging Face Hub answers paperd reads, as the Hub spells them. Every other field
 * the Hub sends (`_id`, `submittedBy`, `thumbnail`, `ai_summary`…) is kept by JSON but not typed.
 */

/** An author on a paper page; `hidden` ones are left out of the page by their own choice. */
export interface HfPaperAuthor {
  readonly name: string;
  readonly _id?: string;
  readonly hidden?: boolean;
}

/** A paper page: `GET /api/papers/{arxivId}`, and the `paper` of each daily papers entry. */
export interface HfPaper {
  /** The arXiv id, without version. */
  readonly id: string;
  readonly title?: string;
  readonly summary?: string;
  readonly authors?: readonly HfPaperAuthor[];
  readonly publishedAt?: string;
  readonly upvotes?: number;
  /** The code repository the authors or the community linked, a full URL. */
  readonly githubRepo?: string;
  readonly githubStars?: number;
  readonly projectPage?: string;
}

/** One entry of `GET /api/daily_papers?date=YYYY-MM-DD`. */
export interface HfDailyPaper {
  readonly paper: HfPaper;
  readonly publishedAt?: string;
  readonly title?: string;
  readonly numComments?: number;
}

/** A model, dataset or Space as listings show it (`/api/arxiv/{id}/repos`, `/api/models`). */
export interface HfRepoSummary {
  /** `owner/name`. */
  readonly id: string;
  readonly likes?: number;
  readonly downloads?: number;
  readonly tags?: readonly string[];
  /** Models: the task (`text-generation`…). */
  readonly pipeline_tag?: string;
  /** Spaces: `gradio`, `streamlit`, `docker`, `static`. */
  readonly sdk?: string;
}

/** `GET /api/arxiv/{arxivId}/repos`: everything on the Hub whose card cites the paper. */
export interface HfPaperRepos {
  readonly models: readonly HfRepoSummary[];
  readonly datasets: readonly HfRepoSummary[];
  readonly spaces: readonly HfRepoSummary[];
}
