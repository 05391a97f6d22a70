// fairmatch for Node.js: the ES module entry point (the same objects as the CommonJS one).
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
