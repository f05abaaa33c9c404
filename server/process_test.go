package server

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/server/store"
)

// proc is `aigclabel serve` running as a child process.
type proc struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aigclabel")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = testenv.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
				line <- strings.Fields(addr)[0]
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case p.base = <-line:
	case err := <-p.done:
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not start\n%s", stderr.String())
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) job(t *testing.T, key, id string) JobView {
	t.Helper()
	req, _ := http.NewRequest("GET", p.base+"/api/v1/batch/"+id, nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j JobView
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil || resp.StatusCode != 200 {
		t.Fatalf("job status %d: %v", resp.StatusCode, err)
	}
	return j
}

// waitFor polls the job until cond holds.
func (p *proc) waitFor(t *testing.T, key, id string, limit time.Duration, cond func(JobView) bool) JobView {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j := p.job(t, key, id)
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job stuck at %d done, %d failed of %d", j.Done, j.Failed, j.Total)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBatchSurvivesSIGKILL runs the real binary, kills it with SIGKILL in
// the middle of a batch, restarts it on the same registry, stops it
// gracefully (SIGTERM) in the middle again, and restarts it once more: the
// job must finish with every output present once and exactly one registry
// row per output.
func TestBatchSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "reg.db")
	out, err := exec.Command(bin, "keys", "add", "--role", "producer", "--producer", producerCode, "--db", db).Output()
	if err != nil {
		t.Fatalf("keys add: %v", err)
	}
	key := strings.TrimSpace(string(out))
	args := []string{"--db", db, "--batch-workers", "1", "--batch-pause", "40ms", "--shutdown-grace", "5s"}

	const n = 40
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := range n {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("img%02d.jpg", i))
		fw.Write(testJPEG(t, 100+i))
	}
	mw.Close()

	p := startProc(t, bin, args...)
	req, _ := http.NewRequest("POST", p.base+"/api/v1/batch", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var job JobView
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 || job.Total != n {
		t.Fatalf("create: %d %+v", resp.StatusCode, job)
	}

	j := p.waitFor(t, key, job.ID, 30*time.Second, func(j JobView) bool { return j.Done >= 5 })
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	if j.Done >= n-5 {
		t.Fatalf("the job was nearly finished (%d/%d) before SIGKILL; the test proves nothing", j.Done, n)
	}
	t.Logf("SIGKILL at %d/%d done", j.Done, n)

	p = startProc(t, bin, args...)
	j = p.waitFor(t, key, job.ID, 30*time.Second, func(k JobView) bool { return k.Done >= j.Done+5 })
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	t.Logf("SIGTERM at %d/%d done", j.Done, n)

	p = startProc(t, bin, args...)
	j = p.waitFor(t, key, job.ID, 60*time.Second, func(j JobView) bool { return j.State == store.Done })
	if j.Done != n || j.Failed != 0 {
		t.Fatalf("finished with %d done, %d failed of %d", j.Done, j.Failed, n)
	}

	req, _ = http.NewRequest("GET", p.base+"/api/v1/batch/"+job.ID+"/result", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		t.Fatalf("result zip: %v", err)
	}
	pids := map[string]string{}
	for _, f := range zr.File {
		if f.Name == "report.json" {
			continue
		}
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rep, err := detect.Inspect(context.Background(), data, detect.Options{MetadataOnly: true})
		if err != nil || rep.AIGC == nil || rep.Verdict != detect.Confirmed {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if prev, dup := pids[rep.AIGC.ProduceID]; dup {
			t.Fatalf("%s and %s share ProduceID %s", prev, f.Name, rep.AIGC.ProduceID)
		}
		pids[rep.AIGC.ProduceID] = f.Name
	}
	if len(pids) != n || len(zr.File) != n+1 {
		t.Fatalf("zip holds %d outputs (%d entries), want %d", len(pids), len(zr.File), n)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}

	// The registry, read directly: one row per output, no more.
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.EventsByJob(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Fatalf("%d registry rows for %d outputs", len(evs), n)
	}
	for _, ev := range evs {
		if _, ok := pids[ev.ProduceID]; !ok {
			t.Fatalf("registry row %s has no output", ev.ProduceID)
		}
	}
	if total, _ := st.CountEvents(context.Background()); total != n {
		t.Fatalf("%d registry rows in all, want %d", total, n)
	}
}
