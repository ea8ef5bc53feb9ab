package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Module 6 runs Pull, Push or Sync and verifies each by what the other side shows, not by
// what Secret Server says it did: a push counts only when AWS has a new version of the secret
// after it, a pull only when Secret Server lists the secrets it pulled, and moving nothing is
// a failure unless nothing was chosen.

func runListVaults(ctx context.Context, r *run) (StepRecord, error) {
	vaults, err := r.svc.SecretServer.Vaults(ctx)
	if err != nil {
		return StepRecord{}, err
	}
	id := r.got().Vault.ID
	var names []string
	var found *Vault
	for i, v := range vaults {
		names = append(names, fmt.Sprintf("%s (%s)", v.DisplayName, v.Region))
		// A link made by hand (module 3 guided) is known by its display name and region.
		if (id != 0 && v.ID == id) || (id == 0 && v.DisplayName == r.set("display_name") && (v.Region == "" || v.Region == r.set("region"))) {
			found = &vaults[i]
		}
	}
	if found == nil {
		if id != 0 {
			return StepRecord{}, fmt.Errorf("the vault link of module 3 (id %d) is not in Secret Server's list: run module 3 again", id)
		}
		return StepRecord{}, fmt.Errorf("secret server lists no vault link named %q in %s: create it in module 3 first", r.set("display_name"), r.set("region"))
	}
	if id == 0 {
		// Made by hand in module 3: known from now on (clean-up leaves it alone, as VaultLink
		// did not make it).
		if err := r.record(func(p *Progress) { p.Vault = VaultLinkUse{ID: found.ID, Name: found.Name} }); err != nil {
			return StepRecord{}, err
		}
	}
	return StepRecord{Summary: fmt.Sprintf("%d external vault(s) listed, including the module 3 link", len(vaults)),
		Facts: append([]Fact{{"External vaults", strings.Join(names, ", ")}}, r.apiFacts(APIOpVaultsSearch)...)}, nil
}

func runSync(ctx context.Context, r *run) (StepRecord, error) {
	ss, sm := r.svc.SecretServer, r.svc.SecretsManager
	vaultID, err := need(r.got().Vault.ID, "the external vault link", "Open the external vaults (module 6)")
	if err != nil {
		return StepRecord{}, err
	}
	ops, pushing, pulling := syncOps(r)
	remote := r.set("remote_name")
	var before SecretVersion
	if pushing {
		sec, err := ss.FindSecretByName(ctx, r.set("push_secret"))
		if err != nil {
			return StepRecord{}, err
		}
		if sec == nil {
			return StepRecord{}, fmt.Errorf("there is no Secret Server secret named %q to push: enter the name of an existing secret, or choose pull only", r.set("push_secret"))
		}
		if _, err := ss.EnsureVaultSecret(ctx, vaultID, sec.ID, remote); err != nil {
			return StepRecord{}, err
		}
		if before, err = sm.SecretVersion(ctx, remote); err != nil {
			return StepRecord{}, err
		}
	}
	rec := StepRecord{Facts: r.apiFacts(APIOpSync, APIOpVaultSecretsSearch, APIOpVaultSecretsCreate)}
	var failed []string
	for _, op := range ops {
		r.progress(title(op) + " running")
		rep, err := ss.Sync(ctx, op, vaultID)
		if err != nil {
			return rec, err
		}
		for _, it := range rep.Items {
			it.Action = rep.Action
			rec.Sync = append(rec.Sync, it)
			if !it.OK {
				failed = append(failed, fmt.Sprintf("%s %s: %s", it.Direction, it.Name, it.Reason))
			}
		}
	}
	if len(failed) > 0 {
		return rec, fmt.Errorf("%d secret(s) did not sync: %s", len(failed), strings.Join(failed, "; "))
	}
	if len(ops) > 0 && len(rec.Sync) == 0 {
		return rec, fmt.Errorf("secret server answered %s without an error but moved no secret: check the vault link (Enabled, credential) and the vault's log in Secret Server", strings.Join(ops, ", "))
	}
	if pushing {
		fact, err := verifyPush(ctx, sm, remote, before)
		if err != nil {
			return rec, err
		}
		rec.Facts = append(rec.Facts, fact)
	}
	if pulling {
		fact, err := verifyPull(ctx, ss, vaultID, rec.Sync)
		if err != nil {
			return rec, err
		}
		rec.Facts = append(rec.Facts, fact)
	}
	rec.Summary = fmt.Sprintf("%d secret transfer(s), each verified on the other side", len(rec.Sync))
	return rec, nil
}

// verifyPush checks that AWS shows a newer version of the secret than before the push.
func verifyPush(ctx context.Context, sm SecretsManager, name string, before SecretVersion) (Fact, error) {
	after, err := sm.SecretVersion(ctx, name)
	if err != nil {
		return Fact{}, err
	}
	if !after.Exists {
		return Fact{}, fmt.Errorf("verify: secret server reported the push of %q as done, but AWS shows no new version of it (AWS Secrets Manager has no secret of that name): the push did not reach AWS", name)
	}
	if !after.Newer(before) {
		return Fact{}, fmt.Errorf("verify: secret server reported the push of %q as done, but AWS shows no new version of it (current version %s, last changed %s, as before the push): the push did not reach AWS", name, orDefault(after.VersionID, "unknown"), after.LastChanged.Format("2006-01-02 15:04:05"))
	}
	return Fact{"Pushed to AWS (verified)", fmt.Sprintf("%s: new version %s", name, orDefault(after.VersionID, "at "+after.LastChanged.Format("15:04:05")))}, nil
}

// verifyPull checks that Secret Server lists every secret the pull reported.
func verifyPull(ctx context.Context, ss SecretServer, vaultID int, items []SyncItem) (Fact, error) {
	var pulled []string // each secret once (Pull and Sync both pull)
	for _, it := range items {
		if it.Direction == "pull" && it.OK && !slices.Contains(pulled, it.Name) {
			pulled = append(pulled, it.Name)
		}
	}
	if len(pulled) == 0 {
		return Fact{}, fmt.Errorf("verify: the pull reported no secret pulled from AWS: secret server answered without an error but moved nothing (check that the credential can list secrets in the region, and the vault's secret filter)")
	}
	listed, err := ss.VaultSecrets(ctx, vaultID)
	if err != nil {
		return Fact{}, err
	}
	var names []string
	for _, v := range listed {
		names = append(names, v.Name)
	}
	var missing []string
	for _, p := range pulled {
		if !slices.Contains(names, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return Fact{}, fmt.Errorf("verify: secret server reported pulling %s, but does not list them among the vault's secrets", strings.Join(missing, ", "))
	}
	return Fact{"Pulled into Secret Server (verified)", fmt.Sprintf("%d: %s", len(pulled), strings.Join(pulled, ", "))}, nil
}

// prepareManualSync notes the pushed secret's current version in AWS before the admin pushes
// by hand, so confirming can require a newer one.
func prepareManualSync(ctx context.Context, r *run) error {
	v, err := r.svc.SecretsManager.SecretVersion(ctx, r.set("remote_name"))
	if err != nil {
		return err
	}
	return r.record(func(p *Progress) { p.PushBefore = &v })
}

// confirmManualPush accepts a push done by hand only when AWS shows a newer version than when
// the step was shown.
func confirmManualPush(ctx context.Context, r *run, rec StepRecord) (StepRecord, error) {
	name := r.set("remote_name")
	var before SecretVersion
	if p := r.got().PushBefore; p != nil {
		before = *p
	}
	after, err := r.svc.SecretsManager.SecretVersion(ctx, name)
	if err != nil {
		return StepRecord{}, err
	}
	if !after.Exists {
		return StepRecord{}, fmt.Errorf("%q is not in AWS Secrets Manager yet: check that the push finished in Secret Server (the vault's secret log shows why it did not)", name)
	}
	if !after.Newer(before) {
		return StepRecord{}, fmt.Errorf("AWS shows no new version of %q since this step was shown: check that the push finished in Secret Server (the vault's secret log shows why it did not)", name)
	}
	rec.Summary = "Push verified in AWS (a new version); sync confirmed by you"
	rec.Facts = append(rec.Facts, Fact{"Pushed to AWS (verified)", fmt.Sprintf("%s: new version %s", name, orDefault(after.VersionID, "at "+after.LastChanged.Format("15:04:05")))})
	return rec, nil
}
