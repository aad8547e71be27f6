package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/handlerproc"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// handlerProc is one running bwv-handler process, invoked over the
// custom-handler contract exactly as the Functions host invokes it.
type handlerProc struct {
	*handlerproc.Process
	client *http.Client
	blob   string // its BWV_BLOB_ENDPOINT: event URLs must name it
}

func startHandler(bin string, settings map[string]string) (*handlerProc, error) {
	p, err := handlerproc.Start(bin, settings, nil, 60*time.Second)
	if err != nil {
		return nil, failf(err, "starting the handler")
	}
	return &handlerProc{Process: p, client: &http.Client{Transport: keepAliveTransport()}, blob: settings["BWV_BLOB_ENDPOINT"]}, nil
}

// stop kills the process (by its PID) and waits for it.
func (h *handlerProc) stop() { h.Kill() }

// invoke calls one function; anything but 200 is an error.
func (h *handlerProc) invoke(ctx context.Context, function string, data, metadata map[string]any) (funchost.Response, error) {
	body, err := json.Marshal(map[string]any{"Data": data, "Metadata": metadata})
	if err != nil {
		return funchost.Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+"/"+function, bytes.NewReader(body))
	if err != nil {
		return funchost.Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return funchost.Response{}, failf(err, "invoking %s", function)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r funchost.Response
	if err := json.Unmarshal(raw, &r); err != nil || resp.StatusCode != http.StatusOK {
		return r, failf(err, "%s answered %d: %.500s\nhandler log:\n%s", function, resp.StatusCode, raw, h.Log())
	}
	return r, nil
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (h *handlerProc) peakRSS() (int64, error) {
	return statusBytes(h.Cmd.Process.Pid, "VmHWM")
}

func statusBytes(pid int, key string) (int64, error) {
	v := fileField(fmt.Sprintf("/proc/%d/status", pid), key)
	f := strings.Fields(v)
	if len(f) != 2 || f[1] != "kB" {
		return 0, failf(nil, "no %s in /proc/%d/status", key, pid)
	}
	kb, err := strconv.ParseInt(f[0], 10, 64)
	return kb << 10, err
}

// hostEncoded is how the real Functions host puts a non-object trigger
// value in Data: its JSON string, encoded once more by the request.
func hostEncoded(text string) string {
	b, _ := json.Marshal(text)
	return string(b)
}
