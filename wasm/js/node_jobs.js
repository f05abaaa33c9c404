// node_jobs.js runs the browser module (GOOS=js) under Node through its JS API,
// the same calls the page's worker makes, for the parity test:
//
//   node node_jobs.js WASM_EXEC_JS AIGCLABEL_WASM JOBS.json
//
// JOBS.json is a list of {op, input, options, output, report, error}: op is
// "label", "propagate" or "detect"; input is a file path; options an object of
// option names to strings. The result goes to the files named by output
// (labeled bytes), report (JSON text) or, when the operation throws, error
// (the Error's message).
"use strict";
const fs = require("fs");
const path = require("path");

// What Go's own wasm_exec_node.js provides before loading wasm_exec.js.
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto").webcrypto;

const [wasmExec, wasmFile, jobsFile] = process.argv.slice(2);
require(path.resolve(wasmExec));

async function main() {
  const go = new Go();
  const ready = new Promise((resolve) => { globalThis.aigclabelReady = resolve; });
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmFile), go.importObject);
  go.run(instance).then(() => { console.error("aigclabel module exited"); process.exit(3); });
  await ready;
  const jobs = JSON.parse(fs.readFileSync(jobsFile, "utf8"));
  for (const job of jobs) {
    const input = new Uint8Array(fs.readFileSync(job.input));
    try {
      const res = await globalThis.aigclabel[job.op](input, job.options || {});
      if (res.output) {
        fs.writeFileSync(job.output, res.output);
        delete res.output;
      }
      fs.writeFileSync(job.report, JSON.stringify(res));
    } catch (e) {
      fs.writeFileSync(job.error, String(e && e.message));
    }
  }
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
