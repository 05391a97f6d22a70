// Worker for eventloop.test.js: restores the engine from bytes, recommends, writes to its own
// copy and sends back the result and its new snapshot.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { Engine } = require('../index.js');

(async () => {
  const e = await Engine.fromBuffer(workerData.bytes);
  const recs = await e.recommendFreelancers('job-1', { k: 10 });
  e.upsertFreelancer({ id: 'worker-only', skills: [{ skill: 'Go', level: 3 }] });
  const after = await e.toBuffer();
  if (parentPort) parentPort.postMessage({ recs, count: e.freelancerCount, after });
})();
