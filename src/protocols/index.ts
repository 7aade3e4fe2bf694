export * from './message.js';
export * from './supervision.js';
