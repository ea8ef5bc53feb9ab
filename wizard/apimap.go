package wizard

import (
	"context"
	"fmt"
	"time"
)

// The Secret Server's external-vault operations are discovered, not documented, so what was
// discovered is kept with the progress: the capability report (for the admin and the report)
// and the API map (for the client). A restart and clean-up hand the kept map back to the
// client instead of discovering again or guessing; a server of another version is
// rediscovered.

// Capabilities is the kept report on the Secret Server's API (false before any step or check
// has connected).
func (s *Session) Capabilities() (Capabilities, bool) {
	p := s.Progress()
	if p.APICapabilities == nil {
		return Capabilities{}, false
	}
	return *p.APICapabilities, true
}

// noteConnected records what Connect found and that the current client uses that map.
func (s *Session) noteConnected(ss SecretServer, info ServerInfo) error {
	caps := info.Capabilities
	s.mu.Lock()
	s.mapClient, s.ssInfo = ss, info
	s.mu.Unlock()
	return s.commit(func(st *State) {
		p := &st.Progress
		p.APICapabilities, p.SecretServerURL, p.VaultAPI = &caps, info.URL, presence(info.ExternalVaultAPI)
		if len(info.APIMap) > 0 {
			p.APIMap = string(info.APIMap)
		}
	})
}

// connected returns what signing in to ss found, when this session has signed in with it
// already (a check on the Connections page, or an earlier step).
func (s *Session) connected(ss SecretServer) (ServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ssInfo, s.mapClient == ss && ss != nil && s.ssInfo.User != ""
}

// keptLinkSettings is a link-settings answer and what it was asked for.
type keptLinkSettings struct {
	ss       SecretServer
	secretID int
	region   string
	answer   LinkSettings
	at       time.Time
}

// linkSettingsFresh is how long a connection check's answer stands in for asking again: long
// enough for the next step, short enough that a link made much later asks anew.
const linkSettingsFresh = 2 * time.Minute

// linkSettings asks Secret Server which vaults the credential reaches, unless the step just
// before (module 3's connection check) asked the same question of the same server: that
// answer is used, once.
func (r *run) linkSettings(ctx context.Context, secretID int, region string) (LinkSettings, error) {
	ss := r.svc.SecretServer
	r.s.mu.Lock()
	kept := r.s.linkSettings
	r.s.linkSettings = nil
	r.s.mu.Unlock()
	if kept != nil && kept.ss == ss && kept.secretID == secretID && kept.region == region && r.s.now().Sub(kept.at) < linkSettingsFresh {
		return kept.answer, nil
	}
	return ss.LinkSettings(ctx, secretID, region)
}

// keepLinkSettings keeps a connected answer for the next step.
func (r *run) keepLinkSettings(secretID int, region string, ls LinkSettings) {
	at := r.s.now()
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.linkSettings = &keptLinkSettings{ss: r.svc.SecretServer, secretID: secretID, region: region, answer: ls, at: at}
}

// serverCapabilities makes sure the Secret Server client works on the kept map (or a fresh
// discovery when there is none, or it is for another server version) and returns the report.
func (r *run) serverCapabilities(ctx context.Context) (Capabilities, error) {
	s := r.s
	ss := r.svc.SecretServer
	s.mu.Lock()
	current := s.mapClient == ss
	s.mu.Unlock()
	caps, kept := s.Capabilities()
	if kept && current {
		return caps, nil
	}
	keeper, isKeeper := ss.(APIMapKeeper)
	if kept && !isKeeper {
		return caps, nil // a client without a map: the kept report is all there is
	}
	if m := r.got().APIMap; kept && len(m) > 0 {
		used, err := keeper.UseAPIMap(ctx, []byte(m))
		if err != nil {
			return Capabilities{}, err
		}
		if used {
			caps = keeper.Capabilities()
			info := ServerInfo{URL: r.got().SecretServerURL, Capabilities: caps, APIMap: []byte(m), ExternalVaultAPI: caps.Module3.Automated && caps.Module6.Automated}
			return caps, s.noteConnected(ss, info)
		}
		r.progress("Secret Server's address or version changed since its API was discovered (a practice server gets a new port each start): discovering it again")
	}
	info, err := ss.Connect(ctx)
	if err != nil {
		return Capabilities{}, err
	}
	return info.Capabilities, s.noteConnected(ss, info)
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
