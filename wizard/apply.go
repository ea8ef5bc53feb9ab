package wizard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Plan is an unattended run's settings: the same inputs the desktop wizard asks for, by name.
type Plan struct {
	Mode     string            `yaml:"mode"` // "practice" or "live"
	AWS      PlanAWS           `yaml:"aws"`
	SS       PlanSecretServer  `yaml:"secret_server"`
	Settings map[string]string `yaml:"settings"`
}

// PlanAWS selects the admin's AWS configuration for live mode.
type PlanAWS struct {
	Profile string `yaml:"profile"`
	Region  string `yaml:"region"`
}

// PlanSecretServer selects the Secret Server for live mode. The password is never in a plan:
// it comes from the environment or the keyring.
type PlanSecretServer struct {
	URL      string `yaml:"url"`
	Username string `yaml:"username"`
	Domain   string `yaml:"domain"`
	CACert   string `yaml:"ca_cert"`
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
	if p.Mode != "" && p.Mode != "practice" && p.Mode != "live" {
		return nil, fmt.Errorf("plan %s: mode is %q; use practice or live", path, p.Mode)
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
			for _, f := range rec.Facts {
				// What was verified, and which discovered operations the step ran on.
				if strings.HasPrefix(f.Label, "Secret Server API") || strings.HasSuffix(f.Label, "(verified)") {
					line(fmt.Sprintf("    %s: %s", f.Label, f.Value))
				}
			}
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

// Summary renders the outputs worth keeping (ids, ARNs), one per line, for reports.
func (s *Session) Summary() []Fact {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := []struct{ k, label string }{
		{outAccount, "AWS account"}, {outUserARN, "IAM user"}, {outGroupName, "IAM group"}, {outPolicyARN, "Custom policy"},
		{outSecretID, "Secret Server secret id"}, {outVaultID, "External vault id"}, {outVaultName, "External vault"},
	}
	var out []Fact
	for _, k := range keys {
		if v := s.state.Outputs[k.k]; v != "" {
			out = append(out, Fact{k.label, v})
		}
	}
	if id := s.state.Outputs[outKeyID]; id != "" {
		out = append(out, Fact{"Access key", MaskKeyID(id)})
	}
	return out
}
