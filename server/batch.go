package server

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/aigclabel/aigclabel/server/upload"
	"github.com/labstack/echo/v4"
)

// batchOptions is what a job stores: the option values as given (so a
// resumed job parses them exactly as the first run did) and the producer
// the submitting key was allowed.
type batchOptions struct {
	Values url.Values `json:"values"`
}

// handleBatchCreate queues a job: files from a multipart body (zip parts
// expanded) or one zip body; options as for /label except produce-id, since
// each file gets its own. It answers 202 with the job at once.
func (s *Server) handleBatchCreate(c echo.Context) error {
	k, _ := keyOf(c)
	u, err := readUpload(c)
	if err != nil {
		return err
	}
	if _, ok := u.vals["produce-id"]; ok {
		return apiErr(http.StatusBadRequest, "invalid_option", "produce-id cannot be set for a batch: every file gets its own")
	}
	opts, err := s.labelOptions(u.vals, k)
	if err != nil {
		return err
	}
	u.vals.Set("producer", opts.Producer)
	var files []upload.File
	for _, f := range u.files {
		if upload.IsZip(f.Data) {
			zf, err := s.limits().Unzip(f.Data)
			if err != nil {
				return err
			}
			files = append(files, zf...)
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return apiErr(http.StatusBadRequest, "empty_body", "no file in the batch")
	}
	total := int64(0)
	for _, f := range files {
		total += int64(len(f.Data))
	}
	if total > s.cfg.MaxZipBytes {
		return apiErr(http.StatusRequestEntityTooLarge, "zip_too_large", "the batch's files add up to %d bytes, over the limit of %d", total, s.cfg.MaxZipBytes)
	}
	if len(files) > s.cfg.MaxZipEntries {
		return apiErr(http.StatusRequestEntityTooLarge, "zip_too_large", "%d files exceed the batch limit of %d", len(files), s.cfg.MaxZipEntries)
	}
	if files, err = upload.UniqueNames(files); err != nil {
		return err
	}
	id, err := store.NewJobID()
	if err != nil {
		return err
	}
	optJSON, _ := json.Marshal(batchOptions{Values: u.vals})
	job := &store.Job{ID: id, KeyID: k.ID, Client: c.RealIP(), Options: optJSON}
	nf := make([]store.NewFile, len(files))
	for i, f := range files {
		nf[i] = store.NewFile{Name: f.Name, Data: f.Data}
	}
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	if err := s.st.CreateJob(ctx, job, nf); err != nil {
		return storeErr("the job could not be stored", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	c.Response().Header().Set("Location", "/api/v1/batch/"+id)
	return c.JSON(http.StatusAccepted, jobView(*job, nil))
}

// JobView is the JSON of a job: its progress, its files and links.
type JobView struct {
	store.Job
	Files  []store.JobFile   `json:"files,omitempty"`
	Links  map[string]string `json:"links"`
	Values url.Values        `json:"options"`
}

func jobView(j store.Job, files []store.JobFile) JobView {
	var bo batchOptions
	json.Unmarshal(j.Options, &bo)
	base := "/api/v1/batch/" + j.ID
	return JobView{Job: j, Files: files, Values: bo.Values,
		Links: map[string]string{"self": base, "events": base + "/events", "result": base + "/result"}}
}

// job loads a job the request's key may see; others get 404, not 403, so
// job IDs are not confirmed to strangers.
func (s *Server) job(c echo.Context) (store.Job, []store.JobFile, error) {
	k, _ := keyOf(c)
	j, files, err := s.st.Job(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ownsJob(k, j)) {
		return j, nil, apiErr(http.StatusNotFound, "not_found", "no batch job %q", c.Param("id"))
	}
	if err != nil {
		return j, nil, storeErr("", err)
	}
	return j, files, nil
}

func (s *Server) handleBatchStatus(c echo.Context) error {
	j, files, err := s.job(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, jobView(j, files))
}

// handleBatchEvents streams a job's progress as Server-Sent Events: a
// "progress" event whenever the counts change, a "file" event per finished
// file, and "done" at the end. It polls the registry, so it follows work
// done by any server sharing it.
func (s *Server) handleBatchEvents(c echo.Context) error {
	j, files, err := s.job(c)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w.Writer)
	send := func(event string, v any) error {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	ctx := c.Request().Context()
	sent := map[int]bool{}
	last := ""
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(time.Hour)
	for {
		for _, f := range files {
			if (f.State == store.Done || f.State == store.Failed) && !sent[f.Seq] {
				sent[f.Seq] = true
				if err := send("file", f); err != nil {
					return nil
				}
			}
		}
		progress := fmt.Sprintf("%d/%d/%d/%d", j.Queued, j.Running, j.Done, j.Failed)
		if progress != last {
			last = progress
			if err := send("progress", map[string]any{"id": j.ID, "total": j.Total, "queued": j.Queued, "running": j.Running, "done": j.Done, "failed": j.Failed, "state": j.State}); err != nil {
				return nil
			}
		}
		if j.State == store.Done {
			send("done", jobView(j, nil))
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.drain:
			return nil // shutting down: the client reconnects to another server
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return nil
		}
		rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if j, files, err = s.st.Job(ctx, j.ID); err != nil {
			return nil
		}
	}
}

// handleBatchResult streams a finished job as a zip: every output under its
// file's name, and report.json with the job and each file's result or error.
func (s *Server) handleBatchResult(c echo.Context) error {
	j, files, err := s.job(c)
	if err != nil {
		return err
	}
	if j.State != store.Done {
		return apiErr(http.StatusConflict, "job_running", "the job is not finished (%d of %d files done or failed)", j.Done+j.Failed, j.Total)
	}
	w := c.Response()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="aigclabel-`+j.ID+`.zip"`)
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	err = s.st.EachOutput(c.Request().Context(), j.ID, func(f store.JobFile, out []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.OutName, Method: zip.Store, Modified: j.Created})
		if err != nil {
			return err
		}
		_, err = fw.Write(out)
		return err
	})
	if err != nil {
		return err // the status is sent; the truncated zip shows the failure
	}
	rw, err := zw.CreateHeader(&zip.FileHeader{Name: "report.json", Method: zip.Deflate, Modified: j.Created})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jobView(j, files)); err != nil {
		return err
	}
	return zw.Close()
}

// batchWorker claims and processes batch files until claimCtx ends. work
// is canceled only when shutdown runs out of grace.
func (s *Server) batchWorker(claimCtx, work context.Context) {
	for claimCtx.Err() == nil {
		cl, err := s.st.Claim(claimCtx, s.worker, s.cfg.Lease)
		if err != nil {
			if !errors.Is(err, store.ErrNoWork) && claimCtx.Err() == nil {
				s.log.Warn("claiming batch work", "err", err)
			}
			select {
			case <-claimCtx.Done():
			case <-s.wake:
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		s.processFile(work, cl)
		if s.cfg.BatchPause > 0 {
			select {
			case <-claimCtx.Done():
			case <-time.After(s.cfg.BatchPause):
			}
		}
	}
}

// labelClaim labels a claimed file with its job's options and checks the
// output as /label does; it returns the output, its LabelReport JSON and the
// registry event.
func (s *Server) labelClaim(ctx context.Context, cl store.Claim) ([]byte, []byte, *store.Event, error) {
	var bo batchOptions
	if err := json.Unmarshal(cl.Job.Options, &bo); err != nil {
		return nil, nil, nil, err
	}
	opts, err := labeler.OptionsFromValues(bo.Values)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := s.acquire(ctx); err != nil {
		return nil, nil, nil, err
	}
	defer s.release()
	res, ev, err := s.label(ctx, cl.Input, opts, store.Key{ID: cl.Job.KeyID}, cl.Job.Client)
	if err != nil {
		return nil, nil, nil, err
	}
	rep, err := s.labelReport(ctx, cl.Name, res)
	if err != nil {
		return nil, nil, nil, coreErr("label_failed", err)
	}
	resJSON, err := json.Marshal(rep)
	return res.Output, resJSON, ev, err
}

// processFile labels one claimed file and stores the outcome. A file that
// fails is failed alone; one interrupted by shutdown is released for later.
func (s *Server) processFile(work context.Context, cl store.Claim) {
	log := s.log.With("job", cl.JobID, "seq", cl.Seq, "file", cl.Name)
	// Storing the outcome must not be cut short by the shutdown that
	// interrupted the work: it uses its own short context.
	storeCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 30*time.Second)
	}
	if cl.Attempts > store.MaxAttempts {
		ctx, cancel := storeCtx()
		defer cancel()
		s.st.Fail(ctx, cl, "too_many_attempts", fmt.Sprintf("the file was started %d times without finishing", cl.Attempts-1))
		s.metrics.batchFiles.inc("failed")
		return
	}
	ctx, cancel := context.WithTimeout(work, s.cfg.Timeout)
	defer cancel()
	out, resJSON, ev, err := s.labelClaim(ctx, cl)
	if err == nil {
		sctx, scancel := storeCtx()
		err = s.st.Complete(sctx, cl, cl.Name, out, resJSON, ev)
		scancel()
		switch {
		case err == nil:
			s.metrics.batchFiles.inc("done")
		case errors.Is(err, store.ErrLeaseLost):
			log.Warn("batch file taken over by another worker; result discarded")
		default:
			log.Error("storing a batch result", "err", err) // the lease expires and the file is redone
		}
		return
	}
	sctx, scancel := storeCtx()
	defer scancel()
	if work.Err() != nil {
		// Shutdown: checkpoint by putting the file back in the queue.
		if rerr := s.st.Release(sctx, cl); rerr != nil {
			log.Error("releasing a batch file", "err", rerr)
		}
		return
	}
	e := classify(err)
	if e.status >= 500 && e.Code != "timeout" {
		log.Error("batch file failed", "err", err)
	}
	if ferr := s.st.Fail(sctx, cl, e.Code, e.Message); ferr != nil && !errors.Is(ferr, store.ErrLeaseLost) {
		log.Error("failing a batch file", "err", ferr)
	}
	s.metrics.batchFiles.inc("failed")
}
