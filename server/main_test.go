package server

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// seenStatuses collects, over every test server, each (method, route,
// status) answered, so TestMain can check them against the OpenAPI document.
var (
	seenMu       sync.Mutex
	seenStatuses = map[[3]string]bool{}
)

func recordStatuses(s *Server) {
	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	seenMu.Lock()
	defer seenMu.Unlock()
	for k := range s.metrics.requests {
		seenStatuses[k] = true
	}
}

// TestMain runs the tests, then fails the run if an /api/v1 operation
// answered a status its OpenAPI description does not declare: the document
// is tested against what the code does, not only against its routes.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && !testing.Short() {
		if msgs := undocumentedStatuses(); len(msgs) > 0 {
			fmt.Fprintln(os.Stderr, "OpenAPI document misses statuses the server sent:\n  "+strings.Join(msgs, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

func undocumentedStatuses() []string {
	var doc struct {
		Paths map[string]map[string]struct{ Responses map[string]any }
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return []string{err.Error()}
	}
	var msgs []string
	for k := range seenStatuses {
		method, route, status := strings.ToLower(k[0]), k[1], k[2]
		p, ok := strings.CutPrefix(route, "/api/v1")
		if !ok || p == "/*" {
			continue
		}
		parts := strings.Split(p, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		op, ok := doc.Paths[strings.Join(parts, "/")][method]
		if !ok {
			msgs = append(msgs, fmt.Sprintf("%s %s: operation not documented", method, p))
			continue
		}
		if op.Responses[status] == nil {
			msgs = append(msgs, fmt.Sprintf("%s %s: status %s", method, p, status))
		}
	}
	sort.Strings(msgs)
	return msgs
}
