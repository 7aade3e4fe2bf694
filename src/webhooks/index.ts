/** GitHub and Hugging Face webhooks: verification, journaling keys, graph facts, and the stage that applies them. */
export { GithubWebhookSettings, HuggingfaceWebhookSettings, WEBHOOK_BODY_LIMIT_BYTES, huggingfaceSecretOf } from './config.js';
export { GITHUB_EVENTS, HF_SCOPES, githubDedupKey, hfDedupKey, hfScopeOf, parseWebhookBody, type HfScope, type WebhookJobPayload, type WebhookProvider } from './deliveries.js';
export { githubFacts, githubRepositoryKey } from './github-facts.js';
export { arxivIdsInTags, huggingfaceFacts } from './hf-facts.js';
export { arxivIdsIn } from './paper-links.js';
export { githubSignatureProblem, githubSignatureValid, huggingfaceSecretValid } from './signatures.js';
export { deliveryFacts, webhookStage, type ApplyFacts, type WebhookStageOptions } from './webhook-stage.js';
