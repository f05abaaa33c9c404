//go:build js && wasm

// Command js is aigclabel's browser module (GOOS=js GOARCH=wasm). Run it in a
// Web Worker: it defines globalThis.aigclabel with
//
//	label(bytes, options[, onProgress])     -> Promise<report & {output: Uint8Array}>
//	propagate(bytes, options[, onProgress]) -> Promise<report & {output: Uint8Array}>
//	detect(bytes[, options])                -> Promise<report>
//	version                                 -> the module's build version
//
// bytes is a Uint8Array (or ArrayBuffer); options is a plain object keyed by
// the CLI's option names ({producer: "...", "produce-id": "...", explicit:
// true, ...}); the report is the same JSON as `aigclabel label --json` and
// `aigclabel detect --json` print. onProgress(stage, fraction) is called during
// long work. A Go error rejects the promise with an Error carrying the same
// message the CLI prints.
//
// Once defined, it calls globalThis.aigclabelReady() if that exists, so a
// worker knows when it can post work.
package main

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"syscall/js"

	"github.com/aigclabel/aigclabel/wasm/api"
)

func main() {
	o := js.Global().Get("Object").New()
	o.Set("label", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return write(args, api.Label)
	}))
	o.Set("propagate", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return write(args, api.Propagate)
	}))
	o.Set("detect", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return promise(func() (js.Value, error) {
			in, opts, _, err := decodeArgs(args)
			if err != nil {
				return js.Undefined(), err
			}
			report, err := api.Detect(context.Background(), in, opts)
			if err != nil {
				return js.Undefined(), err
			}
			return parseJSON(report), nil
		})
	}))
	o.Set("version", version())
	js.Global().Set("aigclabel", o)
	if ready := js.Global().Get("aigclabelReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // keep the functions alive for the worker's lifetime
}

// write runs a bytes-producing operation (label, propagate).
func write(args []js.Value, op func(context.Context, []byte, url.Values, api.Env) ([]byte, []byte, error)) js.Value {
	return promise(func() (js.Value, error) {
		in, opts, progress, err := decodeArgs(args)
		if err != nil {
			return js.Undefined(), err
		}
		env := api.Env{}
		if progress.Type() == js.TypeFunction {
			env.Progress = func(stage string, done float64) { progress.Invoke(stage, done) }
		}
		out, report, err := op(context.Background(), in, opts, env)
		if err != nil {
			return js.Undefined(), err
		}
		res := parseJSON(report)
		u8 := js.Global().Get("Uint8Array").New(len(out))
		js.CopyBytesToJS(u8, out)
		res.Set("output", u8)
		return res, nil
	})
}

// promise runs fn in a goroutine and returns a Promise for its result. A
// js.FuncOf callback must not block (it holds the event loop, and any async
// JS it waited on would deadlock), hence the goroutine.
func promise(fn func() (js.Value, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer func() {
				// A panic must not kill the module: the worker keeps serving.
				if r := recover(); r != nil {
					reject.Invoke(js.Global().Get("Error").New(fmt.Sprintf("internal error: %v", r)))
				}
			}()
			v, err := fn()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	p := js.Global().Get("Promise").New(executor)
	executor.Release() // the executor runs synchronously inside the constructor
	return p
}

// decodeArgs reads (bytes, options, onProgress) with one copy of the bytes.
func decodeArgs(args []js.Value) (in []byte, opts url.Values, progress js.Value, err error) {
	if len(args) == 0 {
		return nil, nil, js.Undefined(), fmt.Errorf("aigclabel: no input bytes given")
	}
	b := args[0]
	if b.InstanceOf(js.Global().Get("ArrayBuffer")) {
		b = js.Global().Get("Uint8Array").New(b)
	}
	if !b.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, nil, js.Undefined(), fmt.Errorf("aigclabel: input must be a Uint8Array or ArrayBuffer")
	}
	in = make([]byte, b.Get("length").Int())
	js.CopyBytesToGo(in, b)
	opts = url.Values{}
	if len(args) > 1 && args[1].Type() == js.TypeObject {
		keys := js.Global().Get("Object").Call("keys", args[1])
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			if s, ok := optionString(args[1].Get(k)); ok {
				opts.Set(k, s)
			}
		}
	}
	progress = js.Undefined()
	if len(args) > 2 {
		progress = args[2]
	}
	return in, opts, progress, nil
}

// optionString renders a JS option value the way the CLI would receive it;
// undefined and null mean "not given".
func optionString(v js.Value) (string, bool) {
	switch v.Type() {
	case js.TypeString:
		return v.String(), true
	case js.TypeBoolean:
		return strconv.FormatBool(v.Bool()), true
	case js.TypeNumber:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64), true
	case js.TypeUndefined, js.TypeNull:
		return "", false
	}
	return v.Call("toString").String(), true
}

func parseJSON(b []byte) js.Value {
	return js.Global().Get("JSON").Call("parse", string(b))
}

// revision is the source's VCS revision, which `make wasm` sets with
// -ldflags=-X main.revision=... (reading it from the build info instead
// would bring runtime/debug's build-info parser into the module).
var revision string

// version is the module's VCS revision when the build set one, else its Go
// version.
func version() string {
	if revision != "" {
		return revision
	}
	return runtime.Version()
}
