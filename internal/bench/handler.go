package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// handlerProc is one running bwv-handler process, invoked over the
// custom-handler contract exactly as the Functions host invokes it.
type handlerProc struct {
	cmd     *exec.Cmd
	url     string
	readyIn time.Duration // exec to the "bwv-handler ready" line
	done    chan struct{}
	client  *http.Client
	blob    string // its BWV_BLOB_ENDPOINT: event URLs must name it

	mu   sync.Mutex
	tail []string // last lines of its log, for errors
}

func startHandler(bin string, settings map[string]string) (*handlerProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, failf(err, "finding a free port for the handler")
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "FUNCTIONS_CUSTOMHANDLER_PORT="+port)
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	h := &handlerProc{cmd: cmd, url: "http://127.0.0.1:" + port, done: make(chan struct{}),
		client: &http.Client{Transport: keepAliveTransport()}, blob: settings["BWV_BLOB_ENDPOINT"]}
	ready := make(chan struct{})
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, failf(err, "starting %s", bin)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "bwv-handler ready") {
				once.Do(func() { h.readyIn = time.Since(started); close(ready) })
			}
			h.mu.Lock()
			h.tail = append(h.tail, line)
			if len(h.tail) > 40 {
				h.tail = h.tail[len(h.tail)-40:]
			}
			h.mu.Unlock()
		}
	}()
	go func() { _ = cmd.Wait(); close(h.done) }()
	select {
	case <-ready:
		return h, nil
	case <-h.done:
		return nil, failf(nil, "the handler exited before it was ready:\n%s", h.log())
	case <-time.After(60 * time.Second):
		h.stop()
		return nil, failf(nil, "the handler was not ready in 60 s:\n%s", h.log())
	}
}

func (h *handlerProc) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.tail, "\n")
}

// stop kills the process (by its PID) and waits for it.
func (h *handlerProc) stop() {
	if h.cmd.Process != nil {
		_ = h.cmd.Process.Kill()
		<-h.done
	}
}

// invoke calls one function; anything but 200 is an error.
func (h *handlerProc) invoke(ctx context.Context, function string, data, metadata map[string]any) (funchost.Response, error) {
	body, err := json.Marshal(map[string]any{"Data": data, "Metadata": metadata})
	if err != nil {
		return funchost.Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/"+function, bytes.NewReader(body))
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
		return r, failf(err, "%s answered %d: %.500s\nhandler log:\n%s", function, resp.StatusCode, raw, h.log())
	}
	return r, nil
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (h *handlerProc) peakRSS() (int64, error) {
	return statusBytes(h.cmd.Process.Pid, "VmHWM")
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
