// Package handlerproc starts the bwv-handler binary the way the Functions
// host does — its app settings in the environment, a free loopback port in
// FUNCTIONS_CUSTOMHANDLER_PORT — and waits for its ready line. The
// functions' integration tests and the benchmark (internal/bench) invoke
// the process it starts directly over the custom-handler protocol; the
// local Functions host (internal/devhost) supervises its own.
package handlerproc

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyLine is what the handler logs once it serves.
const readyLine = "bwv-handler ready"

// Process is a started handler.
type Process struct {
	Cmd     *exec.Cmd
	URL     string        // http://127.0.0.1:<port>
	ReadyIn time.Duration // exec to the ready line: settings, Cosmos region check, bootstrap, listen
	Done    <-chan struct{}

	mu   sync.Mutex
	tail []string
}

// Start runs bin with settings added to this process's environment and
// returns once it logs its ready line. onLine (may be nil) gets every line
// of its log (stderr), in order, from one goroutine. A handler that exits
// first, or is not ready within timeout (then killed), is an error that
// carries the last lines of its log (a refusal to start names the setting).
func Start(bin string, settings map[string]string, onLine func(string), timeout time.Duration) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
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
	done := make(chan struct{})
	p := &Process{Cmd: cmd, URL: "http://127.0.0.1:" + port, Done: done}
	ready := make(chan struct{})
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.tail = append(p.tail, line)
			if len(p.tail) > 50 {
				p.tail = p.tail[len(p.tail)-50:]
			}
			p.mu.Unlock()
			if onLine != nil {
				onLine(line)
			}
			if strings.Contains(line, readyLine) {
				once.Do(func() { p.ReadyIn = time.Since(started); close(ready) })
			}
		}
	}()
	// Wait only after the log is read to its end (os/exec: Wait closes the pipe).
	go func() { <-scanned; _ = cmd.Wait(); close(done) }()
	select {
	case <-ready:
		return p, nil
	case <-done:
		return nil, fmt.Errorf("handler exited before ready:\n%s", p.Log())
	case <-time.After(timeout):
		p.Kill()
		return nil, fmt.Errorf("handler not ready in %s:\n%s", timeout, p.Log())
	}
}

// Log is the last lines of the handler's log.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Kill stops the process by its PID and waits for it.
func (p *Process) Kill() {
	if p.Cmd.Process != nil {
		_ = p.Cmd.Process.Kill()
		<-p.Done
	}
}

// FreePort is a loopback port free at the time of asking.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
