// fairmatch for Node.js: the ES module entry point (the same objects as the CommonJS one).
// The names are listed, not `export * from './index.js'`: a bundler follows a static import
// and would bundle index.js with its computed require of fairmatch.node (Next.js did, with
// the example's symlinked `file:` dependency: "Cannot find module .../chunks/fairmatch.node");
// createRequire stays opaque to it. test/esm.test.mjs fails if this list and index.js's
// exports ever differ.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fm = require('./index.js');

export const {
  Engine,
  Taxonomy,
  FlatIndex,
  HnswIndex,
  QuantizedIndex,
  FairmatchError,
  rerank,
  metrics,
  MAX_NESTING,
  MAX_INPUT_NODES,
  version,
} = fm;
export default fm;
