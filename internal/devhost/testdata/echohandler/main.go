// Command echohandler is a custom handler for the devhost tests: it records
// every request it gets (function, headers, raw body) as a JSON line in
// $ECHO_RECORD and behaves as the message tells it: succeed, fail, crash,
// sleep, or answer with queue outputs. It is a test double for the project's
// real handler, so the host can be tested on every path without it.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

var recMu sync.Mutex

func record(fn string, r *http.Request, body []byte) {
	path := os.Getenv("ECHO_RECORD")
	if path == "" {
		return
	}
	line, _ := json.Marshal(map[string]any{
		"function":     fn,
		"invocationId": r.Header.Get("X-Azure-Functions-InvocationId"),
		"hostVersion":  r.Header.Get("X-Azure-Functions-HostVersion"),
		"pid":          os.Getpid(),
		"body":         json.RawMessage(body),
	})
	recMu.Lock()
	defer recMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(line, '\n'))
}

// unwrap is a value's text, double-encoding peeled (funchost.DecodeValue).
func unwrap(raw json.RawMessage) string {
	var s string
	if funchost.DecodeValue(raw, &s) != nil {
		return string(raw)
	}
	return s
}

type request struct {
	Data     map[string]json.RawMessage
	Metadata map[string]json.RawMessage
}

func answer(w http.ResponseWriter, status int, outputs map[string]any, logs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"Outputs": outputs, "Logs": logs, "ReturnValue": nil})
}

func handle(w http.ResponseWriter, r *http.Request) {
	fn := strings.Trim(r.URL.Path, "/")
	body, _ := io.ReadAll(r.Body)
	record(fn, r, body)
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	switch fn {
	case "EchoQueue":
		handleQueue(w, unwrap(req.Data["msg"]))
	case "EchoEvent":
		ev := unwrap(req.Data["event"])
		if strings.Contains(ev, "fail") {
			answer(w, 500, nil, "event fails on purpose")
			return
		}
		answer(w, 200, map[string]any{}, "event seen")
	case "EchoTimer":
		answer(w, 200, map[string]any{}, "timer ran")
	case "EchoHTTP":
		var hr struct {
			Method string
			Params map[string]string
		}
		json.Unmarshal(req.Data["req"], &hr)
		answer(w, 200, map[string]any{"res": map[string]any{
			"statusCode": "201",
			"body":       map[string]any{"id": hr.Params["id"], "action": hr.Params["action"], "method": hr.Method},
			"headers":    map[string]any{"X-Echo": "yes"},
		}})
	default:
		http.NotFound(w, r)
	}
}

func handleQueue(w http.ResponseWriter, msg string) {
	cmd, arg, _ := strings.Cut(msg, ":")
	switch cmd {
	case "ok":
		answer(w, 200, map[string]any{}, "queue ok "+arg)
	case "out":
		answer(w, 200, map[string]any{"out": json.RawMessage(arg)}, "queue out")
	case "failout":
		answer(w, 500, map[string]any{"out": json.RawMessage(arg)}, "failing with an output")
	case "fail":
		answer(w, 500, nil, "failing on purpose")
	case "crash-once":
		marker := os.Getenv("ECHO_RECORD") + ".crashed-" + arg
		if _, err := os.Stat(marker); err != nil {
			os.WriteFile(marker, nil, 0o644)
			os.Exit(3) // die mid-invocation, no answer
		}
		answer(w, 200, map[string]any{}, "survived a crash")
	case "sleep":
		d, _ := time.ParseDuration(arg)
		time.Sleep(d)
		answer(w, 200, map[string]any{}, "slept")
	default:
		answer(w, 200, map[string]any{}, "unknown command "+cmd)
	}
}

func main() {
	port := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		fmt.Fprintln(os.Stderr, "FUNCTIONS_CUSTOMHANDLER_PORT not set")
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "echohandler listening on", port)
	if err := http.ListenAndServe("127.0.0.1:"+port, http.HandlerFunc(handle)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
