package devhost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Trigger types the local host serves.
const (
	TriggerEventGrid = "eventGridTrigger"
	TriggerQueue     = "queueTrigger"
	TriggerTimer     = "timerTrigger"
	TriggerHTTP      = "httpTrigger"
)

// Binding is one entry of a function.json "bindings" array.
type Binding struct {
	Type       string   `json:"type"`
	Direction  string   `json:"direction"`
	Name       string   `json:"name"`
	DataType   string   `json:"dataType,omitempty"`
	QueueName  string   `json:"queueName,omitempty"`
	Connection string   `json:"connection,omitempty"`
	Schedule   string   `json:"schedule,omitempty"`
	RunOnStart bool     `json:"runOnStartup,omitempty"`
	UseMonitor *bool    `json:"useMonitor,omitempty"`
	AuthLevel  string   `json:"authLevel,omitempty"`
	Methods    []string `json:"methods,omitempty"`
	Route      string   `json:"route,omitempty"`
}

// Function is one function of the app: its name (the folder name) and bindings.
type Function struct {
	Name     string
	Path     string // the function.json it came from
	Trigger  Binding
	Inputs   []Binding // non-trigger inputs (the local host serves none; listed for errors)
	Outputs  []Binding
	Disabled bool
}

// LoadFunctions reads every <root>/<Name>/function.json (the deployed layout)
// or, when there are none, <root>/functions/<Name>/function.json (this repo's
// layout). Names are folder names, as the real host uses them.
func LoadFunctions(root string) ([]*Function, error) {
	paths, _ := filepath.Glob(filepath.Join(root, "*", "function.json"))
	if len(paths) == 0 {
		paths, _ = filepath.Glob(filepath.Join(root, "functions", "*", "function.json"))
	}
	if len(paths) == 0 {
		return nil, reason.Errorf(CodeConfigMissing, nil, "no function.json under %s/<Name>/ or %s/functions/<Name>/", root, root)
	}
	sort.Strings(paths)
	seen := map[string]string{}
	var fns []*Function
	for _, p := range paths {
		fn, err := loadFunction(p)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(fn.Name)
		if prev, dup := seen[key]; dup {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "function %s defined twice (%s and %s)", fn.Name, prev, p)
		}
		seen[key] = p
		fns = append(fns, fn)
	}
	return fns, nil
}

func loadFunction(path string) (*Function, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, reason.Errorf(CodeConfigMissing, err, "read %s", path)
	}
	var doc struct {
		Bindings []Binding `json:"bindings"`
		Disabled bool      `json:"disabled"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, reason.Errorf(CodeFunctionInvalid, err, "%s is not valid JSON", path)
	}
	fn := &Function{Name: filepath.Base(filepath.Dir(path)), Path: path, Disabled: doc.Disabled}
	triggers := 0
	for _, bd := range doc.Bindings {
		if bd.Name == "" || bd.Type == "" {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: every binding needs a name and a type", path)
		}
		isTrigger := strings.HasSuffix(strings.ToLower(bd.Type), "trigger")
		switch {
		case isTrigger:
			triggers++
			fn.Trigger = bd
		case strings.EqualFold(bd.Direction, "out"):
			fn.Outputs = append(fn.Outputs, bd)
		default:
			fn.Inputs = append(fn.Inputs, bd)
		}
	}
	if triggers != 1 {
		return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: a function needs exactly one trigger, found %d", path, triggers)
	}
	if len(fn.Inputs) > 0 {
		return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: input binding %q (%s) is not served by the local host", path, fn.Inputs[0].Name, fn.Inputs[0].Type)
	}
	for _, o := range fn.Outputs {
		switch strings.ToLower(o.Type) {
		case "queue":
			if o.QueueName == "" {
				return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: queue output %q needs queueName", path, o.Name)
			}
		case "http":
		default:
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: output binding %q of type %s is not served by the local host", path, o.Name, o.Type)
		}
	}
	switch fn.Trigger.Type {
	case TriggerEventGrid, TriggerHTTP:
	case TriggerQueue:
		if fn.Trigger.QueueName == "" {
			return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: queueTrigger needs queueName", path)
		}
	case TriggerTimer:
		if _, err := ParseNCrontab(fn.Trigger.Schedule); err != nil {
			return nil, reason.Errorf(CodeScheduleInvalid, err, "%s: timerTrigger schedule", path)
		}
	default:
		return nil, reason.Errorf(CodeFunctionInvalid, nil, "%s: trigger type %s is not served by the local host", path, fn.Trigger.Type)
	}
	return fn, nil
}
