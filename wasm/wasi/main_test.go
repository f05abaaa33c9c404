package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	got, err := parseArgs([]string{"--producer", "P", "--explicit", "--size=7", "--explicit-text", "AI生成", "--insert"})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"producer": {"P"}, "explicit": {"true"}, "size": {"7"}, "explicit-text": {"AI生成"}, "insert": {"true"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseArgs([]string{"stray"}); err == nil {
		t.Error("a positional argument was accepted")
	}
}

func TestRun(t *testing.T) {
	text := []byte("An AI wrote this.\n")
	var out, errb bytes.Buffer
	if code := run([]string{"detect"}, bytes.NewReader(text), &out, &errb); code != 0 {
		t.Fatalf("detect: exit %d: %s", code, errb.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep["verdict"] != "none" {
		t.Errorf("detect report %s (%v)", out.Bytes(), err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"label", "--producer", "bad"}, bytes.NewReader(text), &out, &errb); code != 1 || out.Len() != 0 || errb.Len() == 0 {
		t.Errorf("label with a bad producer: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := run(nil, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("no operation: exit %d", code)
	}
	if code := run([]string{"frobnicate"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("unknown operation: exit %d", code)
	}
}
