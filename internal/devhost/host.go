package devhost

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Options configure a local host. Zero values take the defaults below.
type Options struct {
	ScriptRoot    string            // folder with host.json and the function folders
	HandlerPath   string            // overrides customHandler.description.defaultExecutablePath
	Settings      map[string]string // local.settings.json Values; given to the handler as environment
	Listen        string            // default 127.0.0.1:7071, as Core Tools
	Logger        *slog.Logger      // default: text to stderr
	HandlerOutput io.Writer         // the handler's stdout and stderr; default os.Stderr

	// FunctionKey admits authLevel "function" HTTP calls; default: the
	// BWV_FUNCTION_KEY setting. MasterKey admits "function" and "admin";
	// default: the BWV_MASTER_KEY setting. With neither, such calls get 401.
	FunctionKey, MasterKey string

	EventGrid EventGridOptions

	// EasyAuth emulates App Service Authentication in front of the
	// httpTrigger routes (easyauth.go); off by default, as under Core Tools.
	EasyAuth EasyAuthOptions

	TimerLocation *time.Location // zone the NCRONTAB is read in; default UTC, as in Azure
	ShutdownGrace time.Duration  // how long in-flight invocations may finish on shutdown; default 10 s
}

// EventGridOptions shape the BlobCreated events raised from Azurite.
type EventGridOptions struct {
	Container      string        // watched container; default BWV_UPLOAD_CONTAINER or "uploads"
	Connection     string        // setting holding the watched account's connection string; default AzureWebJobsStorage
	PollInterval   time.Duration // listing interval; default 1 s
	RaiseExisting  bool          // raise events for blobs present at start (default: only new ones, like a new subscription)
	Duplicates     int           // deliver each event this many times (at-least-once tests); default 1
	MaxDuplicates  int           // above Duplicates: deliver each event a random Duplicates..MaxDuplicates times (drawn from Seed)
	Shuffle        bool          // deliver each poll's events (and duplicates) in random order, concurrently
	Seed           int64         // shuffle seed; 0 = time-based
	DataAsObject   bool          // send Data.<trigger> as a JSON object instead of the real host's double-encoded string
	SubscriptionID string        // in the topic; default 00000000-0000-0000-0000-000000000000
	ResourceGroup  string        // in the topic; default bwv-local
	// DeliveryTimeout is Event Grid's wait for an answer (30 s) before it
	// counts a delivery as failed and schedules a retry.
	DeliveryTimeout time.Duration
	// RetryDelays between delivery attempts; default Event Grid's 10 s, 30 s,
	// 1 m, 5 m, 10 m, 30 m, 1 h. MaxAttempts default 30; then the event is
	// dead-lettered to DeadLetterContainer (default eventgrid-deadletter; "-" = off).
	RetryDelays         []time.Duration
	MaxAttempts         int
	DeadLetterContainer string
	// DuplicateWindow: with Shuffle, duplicates arrive at random within this
	// window (default: one poll interval), so some come long after the first
	// copy was handled, as Event Grid's redeliveries can.
	DuplicateWindow time.Duration
}

// Host is a running local Functions host.
type Host struct {
	opts   Options
	cfg    HostConfig
	fns    []*Function
	byName map[string]*Function

	log     *slog.Logger
	handler *handlerProcess
	client  *http.Client
	queues  *queueStore
	stats   *hostStats
	eg      *eventGridSource
	timers  map[string]*timerState
	auth    *easyAuth // nil: no App Service Authentication emulation

	mu    sync.Mutex
	addr  string
	ready chan struct{}
}

// New reads the script root and settings and prepares a host; Run starts it.
func New(opts Options) (*Host, error) {
	if opts.ScriptRoot == "" {
		opts.ScriptRoot = "."
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:7071"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if opts.HandlerOutput == nil {
		opts.HandlerOutput = os.Stderr
	}
	if opts.Settings == nil {
		opts.Settings = map[string]string{}
	}
	if opts.FunctionKey == "" {
		opts.FunctionKey = opts.Settings["BWV_FUNCTION_KEY"]
	}
	if opts.MasterKey == "" {
		opts.MasterKey = opts.Settings["BWV_MASTER_KEY"]
	}
	if opts.TimerLocation == nil {
		opts.TimerLocation = time.UTC
	}
	if opts.ShutdownGrace == 0 {
		opts.ShutdownGrace = 10 * time.Second
	}
	if err := opts.EventGrid.setDefaults(opts.Settings); err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(opts.Listen)
	if err != nil || port == "" {
		return nil, reason.Errorf(CodeConfigInvalid, err, "listen address %q is not host:port", opts.Listen)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, reason.Errorf(CodeConfigInvalid, nil, "listen address %q: the local host listens on loopback only", opts.Listen)
	}
	cfg, err := LoadHostConfig(opts.ScriptRoot)
	if err != nil {
		return nil, err
	}
	fns, err := LoadFunctions(opts.ScriptRoot)
	if err != nil {
		return nil, err
	}
	exe := cfg.ExecutablePath
	if opts.HandlerPath != "" {
		exe = opts.HandlerPath
	}
	exe, err = resolveHandlerPath(opts.ScriptRoot, exe)
	if err != nil {
		return nil, err
	}
	dir := opts.ScriptRoot
	if cfg.WorkingDirectory != "" {
		dir = cfg.WorkingDirectory
		if !strings.HasPrefix(dir, "/") {
			dir = opts.ScriptRoot + "/" + dir
		}
	}
	h := &Host{
		opts: opts, cfg: cfg, fns: fns, byName: map[string]*Function{},
		log:    opts.Logger,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}},
		queues: newQueueStore(opts.Settings, cfg.Queues.MessageEncoding),
		stats:  newHostStats(),
		timers: map[string]*timerState{},
		ready:  make(chan struct{}),
	}
	for _, fn := range fns {
		h.byName[strings.ToLower(fn.Name)] = fn
		switch fn.Trigger.Type {
		case TriggerTimer:
			s, _ := ParseNCrontab(fn.Trigger.Schedule) // validated by LoadFunctions
			h.timers[fn.Name] = newTimerState(s, fn.Trigger.UseMonitor)
		case TriggerQueue:
			if _, err := storageAccountFor(opts.Settings, fn.Trigger.Connection); err != nil {
				return nil, reason.Errorf(CodeConfigMissing, err, "function %s", fn.Name)
			}
		case TriggerHTTP:
			if _, err := parseRoute(routeOf(fn)); err != nil {
				return nil, reason.Errorf(CodeFunctionInvalid, err, "function %s route", fn.Name)
			}
		}
		for _, o := range fn.Outputs {
			if strings.EqualFold(o.Type, "queue") {
				if _, err := storageAccountFor(opts.Settings, o.Connection); err != nil {
					return nil, reason.Errorf(CodeConfigMissing, err, "function %s output %s", fn.Name, o.Name)
				}
			}
		}
	}
	if h.auth, err = newEasyAuth(opts.EasyAuth, opts.ScriptRoot); err != nil {
		return nil, err
	}
	h.handler = newHandlerProcess(exe, cfg.Arguments, dir, opts.ScriptRoot, handlerEnv(opts.Settings), opts.HandlerOutput, h.log)
	if h.hasTrigger(TriggerEventGrid) {
		if h.eg, err = newEventGridSource(h, opts.EventGrid); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// handlerEnv is the host's environment plus the settings, settings winning,
// as Core Tools passes local.settings.json Values to the worker.
func handlerEnv(settings map[string]string) []string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range settings {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func (h *Host) hasTrigger(t string) bool {
	for _, fn := range h.fns {
		if fn.Trigger.Type == t && !fn.Disabled {
			return true
		}
	}
	return false
}

// Functions lists the app's functions.
func (h *Host) Functions() []*Function { return h.fns }

// Ready is closed once the handler listens and the host serves HTTP.
func (h *Host) Ready() <-chan struct{} { return h.ready }

// Addr is the address the host serves on (known once Ready is closed).
func (h *Host) Addr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.addr
}

// HandlerPID is the PID of the current handler process (0 before start).
func (h *Host) HandlerPID() int { return h.handler.currentPID() }

// HandlerStarts counts handler processes started so far (restarts + 1).
func (h *Host) HandlerStarts() int { return h.handler.startCount() }

// Run starts the handler, the triggers and the HTTP endpoints, and blocks
// until ctx ends. Then it stops accepting work, lets in-flight invocations
// finish (ShutdownGrace), and stops the handler by PID.
func (h *Host) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", h.opts.Listen)
	if err != nil {
		return reason.Errorf(CodeConfigInvalid, err, "listen on %s", h.opts.Listen)
	}
	handlerCtx, stopHandler := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		stopHandler()
		<-h.handler.done
	}()
	first := make(chan error, 1)
	go h.handler.supervise(handlerCtx, first)
	if err := <-first; err != nil {
		ln.Close()
		return err
	}

	srv := &http.Server{Handler: h.routes(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	h.mu.Lock()
	h.addr = ln.Addr().String()
	h.mu.Unlock()

	triggerCtx, stopTriggers := context.WithCancel(ctx)
	defer stopTriggers()
	var wg sync.WaitGroup
	for _, fn := range h.fns {
		if fn.Disabled {
			h.log.Info("function disabled", "function", fn.Name)
			continue
		}
		switch fn.Trigger.Type {
		case TriggerQueue:
			wg.Add(1)
			go func(fn *Function) { defer wg.Done(); h.runQueueTrigger(triggerCtx, fn) }(fn)
		case TriggerTimer:
			wg.Add(1)
			go func(fn *Function) { defer wg.Done(); h.runTimer(triggerCtx, fn) }(fn)
		}
	}
	if h.eg != nil {
		wg.Add(1)
		go func() { defer wg.Done(); h.eg.run(triggerCtx) }()
	}
	h.printFunctions()
	close(h.ready)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = reason.Errorf(CodeConfigInvalid, err, "serve HTTP")
		}
	}
	h.log.Info("stopping", "grace", h.opts.ShutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), h.opts.ShutdownGrace)
	_ = srv.Shutdown(shutdownCtx) // waits for in-flight HTTP-triggered calls
	cancel()
	stopTriggers()
	wg.Wait()
	return runErr
}

// printFunctions lists the functions the way `func start` does.
func (h *Host) printFunctions() {
	if h.auth != nil {
		h.log.Info("App Service Authentication emulated: /api/ needs Authorization: Bearer <token from bwv token>", "key", h.auth.keyPath)
	}
	for _, fn := range h.fns {
		switch fn.Trigger.Type {
		case TriggerHTTP:
			methods := "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS"
			if len(fn.Trigger.Methods) > 0 {
				methods = strings.ToUpper(strings.Join(fn.Trigger.Methods, ","))
			}
			h.log.Info("function", "name", fn.Name, "trigger", fn.Trigger.Type, "methods", methods,
				"url", "http://"+h.Addr()+"/api/"+routeOf(fn), "authLevel", authLevelOf(fn))
		case TriggerEventGrid:
			h.log.Info("function", "name", fn.Name, "trigger", fn.Trigger.Type,
				"webhook", "http://"+h.Addr()+"/runtime/webhooks/eventgrid?functionName="+fn.Name,
				"watching", h.opts.EventGrid.Container)
		case TriggerQueue:
			h.log.Info("function", "name", fn.Name, "trigger", fn.Trigger.Type, "queue", fn.Trigger.QueueName)
		case TriggerTimer:
			h.log.Info("function", "name", fn.Name, "trigger", fn.Trigger.Type, "schedule", fn.Trigger.Schedule,
				"next", h.timers[fn.Name].sched.Next(time.Now().In(h.opts.TimerLocation)).Format(time.RFC3339))
		}
	}
}

// routes are the host's HTTP endpoints.
func (h *Host) routes() http.Handler {
	mux := http.NewServeMux()
	var api http.Handler = http.HandlerFunc(h.serveHTTPTrigger)
	if h.auth != nil {
		api = h.auth.wrap(api)
	}
	mux.Handle("/api/", api)
	mux.HandleFunc("/admin/functions/{name}", h.serveAdminInvoke)
	mux.HandleFunc("GET /admin/host/status", h.serveStatus)
	mux.HandleFunc("/runtime/webhooks/{ext}", h.serveWebhook)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" { // Core Tools answers the root for liveness checks
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	})
	return loopbackOnly(mux)
}
