package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Plan is an unattended run's settings: the same inputs the desktop wizard asks for, by name.
type Plan struct {
	Mode     string            `yaml:"mode"` // "practice" or "live"
	AWS      PlanAWS           `yaml:"aws"`
	SS       SSConnection      `yaml:"secret_server"`
	Settings map[string]string `yaml:"settings"`
}

// PlanAWS selects the admin's AWS configuration for live mode.
type PlanAWS struct {
	Profile string `yaml:"profile"`
	Region  string `yaml:"region"`
}

// LoadPlan reads a plan file; unknown keys are errors, so a typo is not silently ignored.
func LoadPlan(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open plan: %w", err)
	}
	defer f.Close()
	var p Plan
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	// No default: a plan meant for real accounts must not run against the simulators, nor the
	// other way round, because a line was left out.
	if p.Mode != "practice" && p.Mode != "live" {
		what := fmt.Sprintf("mode is %q", p.Mode)
		if p.Mode == "" {
			what = "no mode is set"
		}
		return nil, fmt.Errorf("plan %s: %s; add `mode: practice` (the built-in simulated AWS and Secret Server) or `mode: live` (your real AWS account and Secret Server)", path, what)
	}
	return &p, nil
}

// ApplySettings validates every setting of the plan and stores them; it reports all bad
// values at once and stores none of them.
func (s *Session) ApplySettings(settings map[string]string) error {
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	var errs []error
	for _, k := range names {
		in, ok := s.findInput(k)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown setting %q", k))
			continue
		}
		if err := ValidateInput(in, settings[k]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, k := range names {
		if err := s.SetSetting(k, settings[k]); err != nil {
			return err
		}
	}
	return nil
}

// RunAll runs every step of every module in order, as `vaultlink apply` does: steps are
// idempotent, so a second run verifies and changes nothing. Each step's outcome goes to line;
// the first failure stops the run.
func (s *Session) RunAll(ctx context.Context, line func(string)) error {
	if s.mode != Unattended {
		return errors.New("RunAll is for apply mode")
	}
	line("knowledge checks are skipped in apply mode (the desktop wizard asks them)")
	for _, m := range s.guide.Modules {
		for _, st := range m.Steps {
			ref := StepRef{m.ID, st.ID}
			rec, err := s.Run(ctx, ref)
			if err == nil && rec.Status == StepManual {
				if s.Setting("confirm_manual") != "yes" {
					err = fmt.Errorf("%s\nDo it in Secret Server:\n  - %s\nthen run apply again with confirm_manual: \"yes\" in the plan", rec.Manual.Why, strings.Join(rec.Manual.Clicks, "\n  - "))
				} else {
					rec, err = s.ConfirmManual(ctx, ref)
				}
			}
			if err != nil {
				line(fmt.Sprintf("module %d · %s: FAILED: %v", m.Number, st.Title, err))
				return fmt.Errorf("module %d, %q: %w", m.Number, st.Title, err)
			}
			line(fmt.Sprintf("module %d · %s: ok · %s", m.Number, st.Title, rec.Summary))
			for _, it := range rec.Sync {
				status := "ok"
				if !it.OK {
					status = "failed: " + it.Reason
				}
				line(fmt.Sprintf("    %s %s: %s", it.Direction, it.Name, status))
			}
		}
		if err := s.SkipCheck(m.ID); err != nil {
			return err
		}
	}
	line(fmt.Sprintf("modules covered %d/%d", s.Covered(), len(s.guide.Modules)))
	if n := s.Covered(); n != len(s.guide.Modules) {
		return fmt.Errorf("only %d of %d modules verified", n, len(s.guide.Modules))
	}
	return nil
}

// Summary renders what is worth keeping (ids, ARNs), one per line, for reports.
func (s *Session) Summary() []Fact {
	p := s.Progress()
	var out []Fact
	add := func(label, v string) {
		if v != "" {
			out = append(out, Fact{label, v})
		}
	}
	id := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add("AWS account", p.AccountID)
	add("IAM user", p.UserARN)
	add("IAM group", p.GroupName)
	add("Custom policy", p.PolicyARN)
	add("Secret Server secret id", id(p.SecretID))
	add("External vault id", id(p.Vault.ID))
	add("External vault", p.Vault.Name)
	if p.AccessKeyID != "" {
		add("Access key", MaskKeyID(p.AccessKeyID))
	}
	return out
}
