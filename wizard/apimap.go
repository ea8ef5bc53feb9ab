package wizard

import (
	"context"
	"encoding/json"
	"fmt"
)

// The Secret Server's external-vault operations are discovered, not documented, so what was
// discovered is kept with the progress: the capability report (for the admin and the report)
// and the API map (for the client). A restart and clean-up hand the kept map back to the
// client instead of discovering again or guessing; a server of another version is
// rediscovered.

// Output names of the kept discovery.
const (
	outCapabilities = "ss_capabilities"
	outAPIMap       = "ss_api_map"
)

// serverOutputs are the outputs that record what Connect found.
func serverOutputs(info ServerInfo) map[string]string {
	caps, _ := json.Marshal(info.Capabilities)
	kv := map[string]string{outSSURL: info.URL, outCapabilities: string(caps)}
	if len(info.APIMap) > 0 {
		kv[outAPIMap] = string(info.APIMap)
	}
	return kv
}

// Capabilities is the kept report on the Secret Server's API (false before any step or check
// has connected).
func (s *Session) Capabilities() (Capabilities, bool) {
	raw := s.Output(outCapabilities)
	if raw == "" {
		return Capabilities{}, false
	}
	var c Capabilities
	if json.Unmarshal([]byte(raw), &c) != nil {
		return Capabilities{}, false
	}
	return c, true
}

// noteConnected records what Connect found and that the current client uses that map.
func (s *Session) noteConnected(ss SecretServer, info ServerInfo) {
	s.mu.Lock()
	for k, v := range serverOutputs(info) {
		s.state.Outputs[k] = v
	}
	s.mapClient = ss
	s.mu.Unlock()
}

// serverCapabilities makes sure the Secret Server client works on the kept map (or a fresh
// discovery when there is none, or it is for another server version) and returns the report.
func (r *run) serverCapabilities(ctx context.Context) (Capabilities, error) {
	s := r.s
	ss := r.svc().SecretServer
	s.mu.Lock()
	current := s.mapClient == ss
	s.mu.Unlock()
	caps, kept := s.Capabilities()
	if kept && current {
		return caps, nil
	}
	if keeper, ok := ss.(APIMapKeeper); ok && kept && r.out(outAPIMap) != "" {
		used, err := keeper.UseAPIMap(ctx, []byte(r.out(outAPIMap)))
		if err != nil {
			return Capabilities{}, err
		}
		if used {
			caps = keeper.Capabilities()
			info := ServerInfo{URL: r.out(outSSURL), Capabilities: caps, APIMap: []byte(r.out(outAPIMap)),
				ExternalVaultAPI: caps.Module3.Automated && caps.Module6.Automated}
			s.noteConnected(ss, info)
			return caps, s.save()
		}
		r.progress("Secret Server's version changed since its API was discovered: discovering it again")
	} else if kept {
		if _, ok := ss.(APIMapKeeper); !ok {
			return caps, nil // a client without a map: the kept report is all there is
		}
	}
	info, err := ss.Connect(ctx)
	if err != nil {
		return Capabilities{}, err
	}
	s.noteConnected(ss, info)
	return info.Capabilities, s.save()
}

// save writes the state.
func (s *Session) save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

// moduleMode is how an external-vault step's module runs on this server.
func (r *run) moduleMode(ctx context.Context) (ModuleMode, error) {
	m, _, _, err := r.s.lookup(r.ref)
	if err != nil {
		return ModuleMode{}, err
	}
	caps, err := r.serverCapabilities(ctx)
	if err != nil {
		return ModuleMode{}, err
	}
	return caps.ModeFor(m.Number), nil
}

// apiFacts names the discovered operations a step ran on, so the admin sees that they are not
// vendor-documented and which ones they were.
func (r *run) apiFacts(keys ...string) []Fact {
	caps, ok := r.s.Capabilities()
	if !ok {
		return nil
	}
	var facts []Fact
	for _, k := range keys {
		if op, found := caps.Operation(k); found && op.Found {
			facts = append(facts, Fact{"Secret Server API", op.Need + ": " + op.Describe()})
		}
	}
	return facts
}

// guidedWhy explains a guided step with the mode's reason.
func guidedWhy(m ModuleMode) string {
	return fmt.Sprintf("VaultLink cannot do this step through this Secret Server's API (%s), so it is done in the web console.", m.Reason)
}

// modeText is a module's mode in a few words, for a step's facts.
func modeText(m ModuleMode) string {
	if m.Automated {
		return "automated: " + m.Reason
	}
	return "guided in the web console: " + m.Reason
}
