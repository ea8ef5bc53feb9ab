package wizard

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Guide is the product's content: the modules, their steps and knowledge checks. It is data
// (assets/guide.yaml), so wording changes never touch code.
type Guide struct {
	Title          string            `yaml:"title"`
	BeforeYouBegin string            `yaml:"before_you_begin"`
	Defaults       map[string]string `yaml:"defaults"`
	Modules        []Module          `yaml:"modules"`
}

// Module is one of the six modules; its check gates the next module.
type Module struct {
	ID      string `yaml:"id"`
	Number  int    `yaml:"number"`
	Title   string `yaml:"title"`
	Summary string `yaml:"summary"`
	Topic   string `yaml:"topic"`
	Steps   []Step `yaml:"steps"`
	Check   Check  `yaml:"check"`
}

// Step is one guided step: what the admin would do in the console, and the action VaultLink
// runs for it.
type Step struct {
	ID      string   `yaml:"id"`
	Title   string   `yaml:"title"`
	Where   string   `yaml:"where"`
	Action  string   `yaml:"action"`
	Explain []string `yaml:"explain"`
	Inputs  []Input  `yaml:"inputs"`
}

// Input is a setting a step asks for. Inputs with the same name share one value across steps.
type Input struct {
	Name        string   `yaml:"name"`
	Label       string   `yaml:"label"`
	Kind        string   `yaml:"kind"` // "" (text) or "choice"
	Default     string   `yaml:"default"`
	DefaultFrom string   `yaml:"default_from"` // a key of Guide.Defaults
	Options     []string `yaml:"options"`
	Rule        string   `yaml:"rule"` // a validation rule name, see rules.go
	// Hidden inputs are plan-only settings the window does not show (it asks in a dialog).
	Hidden bool `yaml:"hidden"`
	// Suggest names a live list the window offers for this text input ("secret-server-folders").
	Suggest string `yaml:"suggest"`
	// Hint is shown in an empty field.
	Hint string `yaml:"hint"`
}

// Check is a module's knowledge check.
type Check struct {
	Question string   `yaml:"question"`
	Options  []Option `yaml:"options"`
	Right    string   `yaml:"right"`
	Wrong    string   `yaml:"wrong"`
}

// Option is one answer of a knowledge check.
type Option struct {
	ID      string `yaml:"id"`
	Text    string `yaml:"text"`
	Correct bool   `yaml:"correct"`
}

// ParseGuide reads and validates guide content. Validation is strict because a content mistake
// (a check without a right answer, an unknown action) would otherwise surface only at run time.
func ParseGuide(data []byte) (*Guide, error) {
	var g Guide
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("guide content: %w", err)
	}
	if err := g.validate(); err != nil {
		return nil, fmt.Errorf("guide content: %w", err)
	}
	return &g, nil
}

func (g *Guide) validate() error {
	var errs []error
	if len(g.Modules) == 0 {
		errs = append(errs, errors.New("no modules"))
	}
	seenModule := map[string]bool{}
	for i, m := range g.Modules {
		if m.Number != i+1 {
			errs = append(errs, fmt.Errorf("module %q: number %d, want %d", m.ID, m.Number, i+1))
		}
		if m.ID == "" || seenModule[m.ID] {
			errs = append(errs, fmt.Errorf("module %d: missing or repeated id %q", i+1, m.ID))
		}
		seenModule[m.ID] = true
		if len(m.Steps) == 0 {
			errs = append(errs, fmt.Errorf("module %q: no steps", m.ID))
		}
		seenStep := map[string]bool{}
		for _, s := range m.Steps {
			if s.ID == "" || seenStep[s.ID] {
				errs = append(errs, fmt.Errorf("module %q: missing or repeated step id %q", m.ID, s.ID))
			}
			seenStep[s.ID] = true
			if _, ok := actions[s.Action]; !ok {
				errs = append(errs, fmt.Errorf("step %s/%s: unknown action %q", m.ID, s.ID, s.Action))
			}
			for _, in := range s.Inputs {
				if in.DefaultFrom != "" {
					if _, ok := g.Defaults[in.DefaultFrom]; !ok {
						errs = append(errs, fmt.Errorf("step %s/%s: input %s takes its default from unknown %q", m.ID, s.ID, in.Name, in.DefaultFrom))
					}
				}
				if in.Rule != "" {
					if _, ok := rules[in.Rule]; !ok {
						errs = append(errs, fmt.Errorf("step %s/%s: input %s has unknown rule %q", m.ID, s.ID, in.Name, in.Rule))
					}
				}
				if in.Kind == "choice" && len(in.Options) == 0 {
					errs = append(errs, fmt.Errorf("step %s/%s: choice %s has no options", m.ID, s.ID, in.Name))
				}
			}
		}
		c := m.Check
		if c.Question == "" || c.Right == "" || c.Wrong == "" {
			errs = append(errs, fmt.Errorf("module %q: check needs a question and both explanations", m.ID))
		}
		if n := len(c.Options); n < 3 || n > 4 {
			errs = append(errs, fmt.Errorf("module %q: check has %d options, want 3 or 4", m.ID, n))
		}
		correct := 0
		for _, o := range c.Options {
			if o.Correct {
				correct++
			}
		}
		if correct != 1 {
			errs = append(errs, fmt.Errorf("module %q: check has %d correct options, want exactly 1", m.ID, correct))
		}
	}
	return errors.Join(errs...)
}

// Module returns the module with the given id.
func (g *Guide) Module(id string) (*Module, bool) {
	for i := range g.Modules {
		if g.Modules[i].ID == id {
			return &g.Modules[i], true
		}
	}
	return nil, false
}

// DefaultFor returns the initial value of an input.
func (g *Guide) DefaultFor(in Input) string {
	if in.DefaultFrom != "" {
		return g.Defaults[in.DefaultFrom]
	}
	return in.Default
}

// StepRef names a step within the guide.
type StepRef struct {
	Module string
	Step   string
}

func (r StepRef) String() string { return r.Module + "/" + r.Step }
