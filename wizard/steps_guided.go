package wizard

import (
	"context"
	"fmt"
	"slices"
)

// The guided fallback of modules 3 and 6 for servers without the external-vault API: the
// console's click path, then a confirmation that verifies what can be verified.

// vaultAPI says whether the server documents the external-vault operations, probing once.
func (r *run) vaultAPI(ctx context.Context) (bool, error) {
	switch r.got().VaultAPI {
	case APIOffered:
		return true, nil
	case APIAbsent:
		return false, nil
	}
	info, err := r.svc.SecretServer.Connect(ctx)
	if err != nil {
		return false, err
	}
	return info.ExternalVaultAPI, r.record(func(p *Progress) {
		p.VaultAPI, p.SecretServerURL = presence(info.ExternalVaultAPI), info.URL
	})
}

const noVaultAPI = "This Secret Server does not offer the external-vault operations in its API (its swagger.json lists none), so this step is done in its web console."

func (r *run) manualStep(clicks []string, checks string) ManualStep {
	return ManualStep{Why: noVaultAPI, Clicks: clicks, OpenURL: r.got().SecretServerURL, Checks: checks}
}

func manualConnection(r *run) ManualStep {
	return r.manualStep([]string{
		"Sign in to Secret Server and open External Secrets from the secrets menu.",
		"Click Create. The Create External Vault Link page appears.",
		"Tick Enabled to push changes to AWS (leave it clear to only pull): here, Enabled = " + r.set("enabled") + ".",
		"In Type, choose AWS Secret Manager.",
		fmt.Sprintf("Choose the secret %q (id %d) as the credential.", r.set("secret_name"), r.got().SecretID),
		"Wait for the green Connected indicator at the top of the page.",
	}, "VaultLink checks that the credential secret exists and holds module 1's access key.")
}

func confirmConnection(ctx context.Context, r *run) (StepRecord, error) {
	p := r.got()
	id, err := need(p.SecretID, "the Secret Server secret", "Create the secret (module 2)")
	if err != nil {
		return StepRecord{}, err
	}
	fields, err := r.svc.SecretServer.SecretFields(ctx, id)
	if err != nil {
		return StepRecord{}, err
	}
	if !fields[p.Template.AccessKey.Slug].Equal(NewSecret(p.AccessKeyID)) {
		return StepRecord{}, fmt.Errorf("the credential secret (id %d) no longer holds module 1's access key: run module 2 again", id)
	}
	return StepRecord{Summary: "Connected (confirmed by you in Secret Server)", Facts: []Fact{{"Connection", "● Connected (seen by you)"}, {"Credential secret", fmt.Sprintf("%s (id %d), checked", r.set("secret_name"), id)}}}, nil
}

func manualVaultLink(r *run) ManualStep {
	clicks := []string{"On the same page, set Input Type to Automatic List and tick the AWS vault for " + r.set("region") + "."}
	if r.set("input_type") == "manual" {
		clicks = []string{fmt.Sprintf("On the same page, set Input Type to Manual Entry; enter the vault name exactly %q (case and symbols matter), the display name %q and the region %s.", r.set("vault_name"), r.set("display_name"), r.set("region"))}
	}
	return r.manualStep(append(clicks, "Click Save."), "Secret Server offers no API to read vault links back, so VaultLink records your confirmation.")
}

func confirmVaultLink(_ context.Context, r *run) (StepRecord, error) {
	name, region := orDefault(r.set("vault_name"), "(chosen in Secret Server)"), r.set("region")
	err := r.record(func(p *Progress) { p.Vault, p.Region = VaultLinkUse{Name: name}, region })
	if err != nil {
		return StepRecord{}, err
	}
	return StepRecord{Summary: "External vault link saved (confirmed by you in Secret Server)", Facts: []Fact{{"Display name", r.set("display_name")}, {"Region", r.set("region")}, {"Enabled", r.set("enabled")}}}, nil
}

func manualListVaults(r *run) ManualStep {
	return r.manualStep([]string{"In Secret Server, open External Secrets → External Vaults.", "Your AWS vault (" + r.set("display_name") + ") is in the list."}, "VaultLink records your confirmation.")
}

func confirmByAdmin(summary string) func(context.Context, *run) (StepRecord, error) {
	return func(context.Context, *run) (StepRecord, error) {
		return StepRecord{Summary: summary + " (confirmed by you in Secret Server)"}, nil
	}
}

func manualSync(r *run) ManualStep {
	clicks := []string{"In External Secrets → External Vaults, hover over your AWS vault to reveal Pull, Push and Sync."}
	ops, pushing, _ := syncOps(r)
	if pushing {
		clicks = append(clicks, fmt.Sprintf("To push, link the secret %q to the name %q in the vault first (External Secrets → the vault → Add), with the transform $PASSWORD.", r.set("push_secret"), r.set("remote_name")))
	}
	for _, op := range ops {
		clicks = append(clicks, "Click "+title(op)+" and wait for it to finish.")
	}
	clicks = append(clicks, "Click the vault's name to see the synced secrets.")
	checks := "VaultLink records your confirmation."
	if pushing {
		checks = fmt.Sprintf("VaultLink then checks in AWS that %q exists.", r.set("remote_name"))
	}
	return r.manualStep(clicks, checks)
}

func confirmSync(ctx context.Context, r *run) (StepRecord, error) {
	_, pushing, _ := syncOps(r)
	rec := StepRecord{Summary: "Sync done in Secret Server (confirmed by you)"}
	if pushing {
		names, err := r.svc.SecretsManager.SecretNames(ctx)
		if err != nil {
			return StepRecord{}, err
		}
		if !slices.Contains(names, r.set("remote_name")) {
			return StepRecord{}, fmt.Errorf("%q is not in AWS Secrets Manager yet: check that the push finished in Secret Server (the vault's secret log shows why it did not)", r.set("remote_name"))
		}
		rec.Summary = "Push verified in AWS; sync confirmed by you"
		rec.Facts = append(rec.Facts, Fact{"In AWS", r.set("remote_name")})
	}
	return rec, nil
}
