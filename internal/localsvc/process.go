package localsvc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 5 * time.Second

// child is one service process, started in its own process group, whose
// combined stdout/stderr is scanned for a ready line and then kept as a short
// tail for error messages.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has been reaped
	err  error         // Wait's result, valid after done

	mu   sync.Mutex
	tail []string // last output lines

	stopOnce sync.Once
	stopErr  error
}

const tailLines = 40

// startChild runs argv[0] with argv[1:] and returns once ready has returned true
// for a line of output. It kills the process group and fails, wrapping
// ErrNotReady, if the process exits first or ctx ends.
func startChild(ctx context.Context, name, dir string, argv []string, ready func(line string) bool) (*child, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("localsvc: %s: pipe: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("localsvc: %s: start: %w", name, err)
	}
	pw.Close() // the child holds the write end now; EOF comes when it exits

	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	readyCh := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			c.keep(line)
			if !signalled && ready(line) {
				signalled = true
				close(readyCh)
			}
		}
		pr.Close()
	}()
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()

	select {
	case <-readyCh:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("localsvc: %s exited before it was ready (%v); output:\n%s: %w", name, c.err, c.output(), ErrNotReady)
	case <-ctx.Done():
		_ = c.stop()
		return nil, fmt.Errorf("localsvc: %s not ready: %w; output:\n%s: %w", name, ctx.Err(), c.output(), ErrNotReady)
	}
}

func (c *child) keep(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tail = append(c.tail, line)
	if len(c.tail) > tailLines {
		c.tail = c.tail[len(c.tail)-tailLines:]
	}
}

// output returns the last lines the process printed.
func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.tail, "\n")
}

// stop sends SIGTERM to the process group, SIGKILL after stopGrace, and waits
// until the process is reaped. It is safe to call more than once.
func (c *child) stop() error {
	c.stopOnce.Do(func() {
		pgid := c.cmd.Process.Pid
		select {
		case <-c.done:
			c.stopErr = c.exitErr()
			return
		default:
		}
		if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			c.stopErr = fmt.Errorf("localsvc: %s: SIGTERM: %w", c.name, err)
		}
		select {
		case <-c.done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-c.done
			c.stopErr = fmt.Errorf("localsvc: %s ignored SIGTERM for %s and was killed", c.name, stopGrace)
			return
		}
		if c.stopErr == nil {
			c.stopErr = c.exitErr()
		}
	})
	return c.stopErr
}

// exitErr treats an exit caused by our SIGTERM, or a clean exit, as success.
func (c *child) exitErr() error {
	if c.err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("localsvc: %s: %w; output:\n%s", c.name, c.err, c.output())
}

// pid is the process id (and process group id) of the service.
func (c *child) pid() int { return c.cmd.Process.Pid }
