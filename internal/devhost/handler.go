package devhost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// handlerProcess runs the custom handler, restarts it when it dies, and
// tells callers where it listens. One process at a time, as the real host
// runs one worker per instance by default.
type handlerProcess struct {
	path     string
	args     []string
	dir      string
	root     string
	env      []string
	output   io.Writer
	log      *slog.Logger
	startTTL time.Duration // how long to wait for the handler to listen

	mu      sync.Mutex
	port    int
	ready   chan struct{} // closed when the current process listens
	cmd     *exec.Cmd
	pid     int
	starts  int
	stopped bool
	done    chan struct{} // closed when supervise returns
}

func newHandlerProcess(path string, args []string, dir, root string, env []string, out io.Writer, log *slog.Logger) *handlerProcess {
	return &handlerProcess{
		path: path, args: args, dir: dir, root: root, env: env, output: out, log: log,
		startTTL: 30 * time.Second,
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// resolveHandlerPath finds the handler as the real host does: relative to the
// script root unless absolute.
func resolveHandlerPath(root, p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", reason.Errorf(CodeHandlerStart, err, "handler executable %s", p)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", reason.Errorf(CodeHandlerStart, nil, "handler %s is not an executable file (build it, or pass --handler)", p)
	}
	return p, nil
}

// supervise starts the handler and restarts it whenever it exits, until ctx
// ends; then it stops the process by PID. It returns the first start error
// (a handler that never listens is a configuration fault, not a crash).
func (h *handlerProcess) supervise(ctx context.Context, firstStart chan<- error) {
	defer close(h.done)
	backoff := 500 * time.Millisecond
	first := true
	for {
		exited, err := h.startOnce(ctx)
		if first {
			firstStart <- err
			first = false
			if err != nil {
				return
			}
		} else if err != nil {
			h.log.Error("handler restart failed", "err", err, "retry_in", backoff)
		}
		if err == nil {
			select {
			case <-ctx.Done():
				h.stop()
				return
			case werr := <-exited:
				h.log.Warn("handler exited; restarting", "pid", h.currentPID(), "exit", fmt.Sprint(werr), "restart_in", backoff)
				h.mu.Lock()
				h.ready = make(chan struct{})
				h.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 8*time.Second {
			backoff *= 2
		}
	}
}

// startOnce starts a process on a new free port and waits for it to listen.
// The returned channel receives the process's exit.
func (h *handlerProcess) startOnce(ctx context.Context) (<-chan error, error) {
	port, err := freePort()
	if err != nil {
		return nil, reason.Errorf(CodeHandlerStart, err, "find a free port")
	}
	workerID := newUUID()
	cmd := exec.Command(h.path, h.args...)
	cmd.Dir = h.dir
	cmd.Env = append(append([]string{}, h.env...),
		"FUNCTIONS_CUSTOMHANDLER_PORT="+strconv.Itoa(port),
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+workerID,
		"FUNCTIONS_HTTPWORKER_PORT="+strconv.Itoa(port),
		"FUNCTIONS_HTTPWORKER_ID="+workerID,
		"FUNCTIONS_APP_ROOT_PATH="+h.root,
	)
	cmd.Stdout = h.output
	cmd.Stderr = h.output
	cmd.SysProcAttr = handlerSysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, reason.Errorf(CodeHandlerStart, err, "start %s", h.path)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	h.mu.Lock()
	h.cmd, h.pid, h.port = cmd, cmd.Process.Pid, port
	h.starts++
	h.mu.Unlock()

	deadline := time.Now().Add(h.startTTL)
	for {
		c, derr := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if derr == nil {
			c.Close()
			break
		}
		select {
		case werr := <-exited:
			return nil, reason.Errorf(CodeHandlerStart, werr, "handler %s exited before listening on port %d (does it read FUNCTIONS_CUSTOMHANDLER_PORT?)", h.path, port)
		case <-ctx.Done():
			h.stop()
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond): // the real host polls every 25 ms
		}
		if time.Now().After(deadline) {
			h.stop()
			<-exited
			return nil, reason.Errorf(CodeHandlerStart, nil, "handler %s did not listen on 127.0.0.1:%d within %s", h.path, port, h.startTTL)
		}
	}
	h.log.Info("handler listening", "pid", cmd.Process.Pid, "port", port, "start", h.starts)
	h.mu.Lock()
	close(h.ready)
	h.mu.Unlock()
	return exited, nil
}

// endpoint waits until the handler listens and returns its base URL.
func (h *handlerProcess) endpoint(ctx context.Context) (string, error) {
	h.mu.Lock()
	ready := h.ready
	h.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
		return "", reason.Errorf(CodeHandlerFailed, ctx.Err(), "handler not ready")
	case <-h.done:
		return "", reason.Errorf(CodeHandlerFailed, nil, "handler stopped")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return "http://127.0.0.1:" + strconv.Itoa(h.port), nil
}

// PID of the running handler (0 when none); tests kill it to prove restarts.
func (h *handlerProcess) currentPID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pid
}

func (h *handlerProcess) startCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.starts
}

// stop sends SIGTERM to the handler's process group, then SIGKILL after 5 s.
func (h *handlerProcess) stop() {
	h.mu.Lock()
	cmd := h.cmd
	h.stopped = true
	h.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	pid := cmd.Process.Pid
	_ = signalGroup(pid, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = signalGroup(pid, syscall.SIGKILL)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
