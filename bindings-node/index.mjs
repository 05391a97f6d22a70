// fairmatch for Node.js: the ES module entry point — the same objects as the CommonJS one
// (index.js), whose exports Node reads by name.
export * from './index.js';
export { default } from './index.js';
