package sssim

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The Console methods do what an admin does by hand in Secret Server's web console. Tests of
// VaultLink's guided manual fallback (a server without the external-vault API) use them in
// place of the admin's clicks.

// ConsoleCreateVault is Create External Vault Link → Save.
func (s *Server) ConsoleCreateVault(ctx context.Context, name, displayName, region string, credentialSecretID int, active bool) (int, error) {
	account, err := s.checkConnection(ctx, credentialSecretID, region)
	if err != nil {
		return 0, err
	}
	if name == "" {
		name = account
	}
	if name != account {
		return 0, fmt.Errorf("no vault named %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &vault{ID: s.db.nextID(), Name: name, DisplayName: displayName, ExternalVaultType: awsType, Active: active, CredentialSecretID: credentialSecretID, SiteID: 1, Region: region}
	s.db.Vaults[v.ID] = v
	return v.ID, nil
}

// ConsoleVaultID finds a vault link by display name.
func (s *Server) ConsoleVaultID(displayName string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.db.Vaults {
		if v.DisplayName == displayName {
			return id
		}
	}
	return 0
}

// ConsoleLinkSecret is the vault → Add external vault secret.
func (s *Server) ConsoleLinkSecret(vaultID int, secretName, remoteName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range s.db.Secrets {
		if sec.Name == secretName {
			vs := &vaultSecret{ID: s.db.nextID(), Name: remoteName, ExternalVaultID: vaultID, LinkedSecretID: sec.ID, Transform: "$PASSWORD", Active: true}
			s.db.VaultSecrets[vs.ID] = vs
			return nil
		}
	}
	return fmt.Errorf("no secret %q", secretName)
}

// ConsoleSync is hovering over the vault and clicking Pull, Push or Sync; it returns the
// failures the console would list.
func (s *Server) ConsoleSync(ctx context.Context, action string, vaultID int) error {
	pulled, pushed, ok := s.syncVault(ctx, action, vaultID)
	if !ok {
		return fmt.Errorf("no vault %d", vaultID)
	}
	var failed []string
	for _, r := range append(pulled, pushed...) {
		if !r.Success {
			failed = append(failed, r.Name+": "+r.ErrorMessage)
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// ConsoleSetField is the secret → Edit → change one field → Save (a health-check test uses
// it for a secret changed outside VaultLink).
func (s *Server) ConsoleSetField(secretID int, slug, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.db.Secrets[secretID]
	if !ok {
		return fmt.Errorf("no secret %d", secretID)
	}
	for i := range sec.Items {
		if sec.Items[i].Slug == slug {
			sec.Items[i].ItemValue = value
			return nil
		}
	}
	return fmt.Errorf("secret %d has no field %q", secretID, slug)
}

// ConsoleDeleteVault is the vault → Delete (a health-check test removes the link this way).
func (s *Server) ConsoleDeleteVault(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.db.Vaults, id)
}
