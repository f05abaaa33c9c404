// worker.js runs the Go module (aigclabel.wasm) off the page's thread, so the
// page never freezes. Messages in: {id, op, bytes: ArrayBuffer, options}.
// Messages out: {ready: true} or {ready: false, error} once; then per job
// {id, progress: {stage, done}}*, and {id, result} (result.output's buffer is
// transferred, not copied) or {id, error: message}.
"use strict";

const ready = (async () => {
  importScripts("wasm_exec.js");
  const go = new Go();
  const defined = new Promise((resolve) => { self.aigclabelReady = resolve; });
  let instance;
  try {
    // Compiles while downloading; needs Content-Type: application/wasm.
    ({ instance } = await WebAssembly.instantiateStreaming(fetch("aigclabel.wasm"), go.importObject));
  } catch (e) {
    const resp = await fetch("aigclabel.wasm");
    if (!resp.ok) throw new Error("aigclabel.wasm: HTTP " + resp.status + " " + (await resp.text()));
    ({ instance } = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject));
  }
  go.run(instance).then(() => postMessage({ ready: false, error: "the module exited" }));
  await defined;
})();

ready.then(
  () => postMessage({ ready: true, version: self.aigclabel.version }),
  (e) => postMessage({ ready: false, error: String((e && e.message) || e) }),
);

self.onmessage = async (ev) => {
  const { id, op, bytes, options } = ev.data;
  try {
    await ready;
    const progress = (stage, done) => postMessage({ id, progress: { stage, done } });
    const result = await self.aigclabel[op](new Uint8Array(bytes), options || {}, progress);
    postMessage({ id, result }, result.output ? [result.output.buffer] : []);
  } catch (e) {
    postMessage({ id, error: String((e && e.message) || e) });
  }
};
