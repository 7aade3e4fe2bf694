export * from './message.js';
export * from './supervision.js';
export * from './paper.js';
export * from './pipeline.js';
export * from './link.js';
