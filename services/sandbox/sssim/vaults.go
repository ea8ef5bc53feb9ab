package sssim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const awsType = "AWSSecretsManager"

// awsFor builds AWS clients from the credential secret, as Secret Server does when it talks to
// a linked vault.
func (s *Server) awsFor(credentialSecretID int, region string) (aws.Config, error) {
	s.mu.Lock()
	sec := s.db.Secrets[credentialSecretID]
	s.mu.Unlock()
	if sec == nil {
		return aws.Config{}, fmt.Errorf("credential secret %d does not exist", credentialSecretID)
	}
	var keyID, secretKey string
	for _, it := range sec.Items {
		switch it.Slug {
		case "access-key":
			keyID = it.ItemValue
		case "secret-key":
			secretKey = it.ItemValue
		}
	}
	if keyID == "" || secretKey == "" {
		return aws.Config{}, fmt.Errorf("credential secret %q is not an Amazon IAM Key secret with an access key and a secret key", sec.Name)
	}
	// Up to three attempts, as AWS SDKs (and so Secret Server) make by default: only throttling,
	// 5xx and broken connections are retried (moto under load resets one now and then, which
	// the SDK reads as "use of closed network connection"), so a denial or a bad key is still
	// reported at once; writes carry the SDK's idempotency token. No kept-alive connections,
	// because a pooled one the AWS side has closed meanwhile (moto closes idle ones) would spend
	// an attempt.
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(keyID, secretKey, ""), RetryMaxAttempts: 3,
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	if s.opts.AWSEndpoint != "" {
		cfg.BaseEndpoint = aws.String(s.opts.AWSEndpoint)
	}
	return cfg, nil
}

// awsReason turns an AWS failure into the one line Secret Server would show.
func awsReason(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

type linkSettingsRequest struct {
	ExternalVaultType  string `json:"externalVaultType"`
	CredentialSecretID int    `json:"credentialSecretId"`
	Region             string `json:"region"`
}

// linkSettings answers which AWS vaults the credential reaches. For AWS Secrets Manager the
// practice server calls a vault the account's Secrets Manager in one region: its name is the
// account id, as AWS reports it.
func (s *Server) linkSettings(w http.ResponseWriter, r *http.Request) {
	var in linkSettingsRequest
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	if in.ExternalVaultType != awsType {
		apiError(w, 400, "API_ExternalVaultTypeNotSupported", "External vault type %q is not supported.", in.ExternalVaultType)
		return
	}
	region := first(in.Region, "us-east-1")
	res := map[string]any{"externalVaultType": awsType, "defaultName": "AWS Secrets Manager", "vaults": []any{},
		"passwordTypes": []string{"Amazon IAM Key"}, "connected": false, "actionableErrorMessage": nil}
	account, err := s.checkConnection(r.Context(), in.CredentialSecretID, region)
	if err != nil {
		res["actionableErrorMessage"] = err.Error()
		writeJSON(w, 200, res)
		return
	}
	res["connected"] = true
	res["vaults"] = []any{map[string]string{"name": account, "region": region}}
	writeJSON(w, 200, res)
}

// checkConnection signs in with the credential and lists secrets, the two things a vault link
// needs; it returns the account id.
func (s *Server) checkConnection(ctx context.Context, credentialSecretID int, region string) (string, error) {
	cfg, err := s.awsFor(credentialSecretID, region)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("AWS rejected the credential: %s", awsReason(err))
	}
	if _, err := secretsmanager.NewFromConfig(cfg).ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)}); err != nil {
		return "", fmt.Errorf("the credential cannot list secrets in %s: %s", region, awsReason(err))
	}
	return aws.ToString(id.Account), nil
}

type vaultRequest struct {
	Name               string `json:"name"`
	DisplayName        string `json:"displayName"`
	Active             bool   `json:"active"`
	CredentialSecretID int    `json:"credentialSecretId"`
	ExternalVaultType  string `json:"externalVaultType"`
	SiteID             int    `json:"siteId"`
	Region             string `json:"region"`
}

func (s *Server) createVault(w http.ResponseWriter, r *http.Request) {
	var in vaultRequest
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	switch {
	case in.ExternalVaultType != awsType:
		apiError(w, 400, "API_ExternalVaultTypeNotSupported", "External vault type %q is not supported.", in.ExternalVaultType)
		return
	case in.Name == "" || in.DisplayName == "":
		apiError(w, 400, "API_ExternalVaultNameRequired", "A vault name and a display name are required.")
		return
	}
	region := first(in.Region, "us-east-1")
	account, err := s.checkConnection(r.Context(), in.CredentialSecretID, region)
	if err != nil {
		apiError(w, 400, "API_ExternalVaultConnectionFailed", "Cannot connect to the vault: %s", err.Error())
		return
	}
	if in.Name != account {
		// Manual entry must name the vault exactly as AWS does.
		apiError(w, 400, "API_ExternalVaultNotFound", "No AWS Secrets Manager vault named %q is reachable with this credential in %s. The name must match exactly, including case.", in.Name, region)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.db.Vaults {
		if v.Name == in.Name && v.Region == region {
			apiError(w, 400, "API_ExternalVaultExists", "An external vault named %q in %s already exists.", in.Name, region)
			return
		}
	}
	v := &vault{ID: s.db.nextID(), Name: in.Name, DisplayName: in.DisplayName, ExternalVaultType: awsType, Active: in.Active,
		CredentialSecretID: in.CredentialSecretID, SiteID: max(in.SiteID, 1), Region: region}
	s.db.Vaults[v.ID] = v
	writeJSON(w, 200, v)
}

func (s *Server) searchVaults(w http.ResponseWriter, r *http.Request) {
	status := first(filter(r, "status"), "Active")
	text := strings.ToLower(filter(r, "searchText"))
	s.mu.Lock()
	var ids []int
	for id, v := range s.db.Vaults {
		if (status == "All" || (status == "Active") == v.Active) && strings.Contains(strings.ToLower(v.Name+" "+v.DisplayName), text) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	var out []any
	for _, id := range ids {
		out = append(out, s.db.Vaults[id])
	}
	s.mu.Unlock()
	writeJSON(w, 200, s.paged(r, out))
}

func (s *Server) getVault(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.db.Vaults[id]; v != nil {
		writeJSON(w, 200, v)
		return
	}
	apiError(w, 404, "API_ExternalVaultNotFound", "External vault not found.")
}

func (s *Server) deleteVault(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.Vaults[id] == nil {
		apiError(w, 404, "API_ExternalVaultNotFound", "External vault not found.")
		return
	}
	delete(s.db.Vaults, id)
	for vid, vs := range s.db.VaultSecrets {
		if vs.ExternalVaultID == id {
			delete(s.db.VaultSecrets, vid)
		}
	}
	writeJSON(w, 200, map[string]any{"id": id, "objectType": "ExternalVault"})
}

func (s *Server) searchVaultSecrets(w http.ResponseWriter, r *http.Request) {
	status := first(filter(r, "status"), "Active")
	var vaultIDs []int
	for _, v := range r.URL.Query()["filter.externalVaultIds"] {
		for _, p := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(p); err == nil {
				vaultIDs = append(vaultIDs, n)
			}
		}
	}
	s.mu.Lock()
	var ids []int
	for id, vs := range s.db.VaultSecrets {
		inVault := len(vaultIDs) == 0
		for _, v := range vaultIDs {
			inVault = inVault || vs.ExternalVaultID == v
		}
		if inVault && (status == "All" || (status == "Active") == vs.Active) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	var out []any
	for _, id := range ids {
		out = append(out, s.db.VaultSecrets[id])
	}
	s.mu.Unlock()
	writeJSON(w, 200, s.paged(r, out))
}

func (s *Server) createVaultSecret(w http.ResponseWriter, r *http.Request) {
	var in vaultSecret
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.Vaults[in.ExternalVaultID] == nil {
		apiError(w, 400, "API_ExternalVaultNotFound", "External vault not found.")
		return
	}
	if in.LinkedSecretID != 0 && s.db.Secrets[in.LinkedSecretID] == nil {
		apiError(w, 400, "API_SecretNotFound", "Linked secret not found.")
		return
	}
	for _, vs := range s.db.VaultSecrets {
		if vs.ExternalVaultID == in.ExternalVaultID && vs.Name == in.Name {
			apiError(w, 400, "API_ExternalVaultSecretExists", "An external vault secret named %q already exists in this vault.", in.Name)
			return
		}
	}
	vs := &vaultSecret{ID: s.db.nextID(), Name: in.Name, ExternalVaultID: in.ExternalVaultID, LinkedSecretID: in.LinkedSecretID,
		Transform: first(in.Transform, "$PASSWORD"), Active: in.Active}
	s.db.VaultSecrets[vs.ID] = vs
	writeJSON(w, 200, vs)
}

type syncRequest struct {
	Action           string `json:"action"`
	ExternalVaultIDs []int  `json:"externalVaultIds"`
}

type syncResult struct {
	ExternalVaultID       int    `json:"externalVaultId"`
	ExternalVaultSecretID int    `json:"externalVaultSecretId"`
	Name                  string `json:"name"`
	Success               bool   `json:"success"`
	ErrorMessage          string `json:"errorMessage,omitempty"`
}

// sync runs Pull (AWS → Secret Server: every AWS secret becomes an external vault secret),
// Push (Secret Server → AWS: every active external vault secret with a linked secret is
// written to AWS), or Sync (both). It works synchronously and reports per secret.
func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	var in syncRequest
	if err := decode(r, &in); err != nil {
		apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
		return
	}
	action := strings.ToLower(in.Action)
	if action != "pull" && action != "push" && action != "sync" {
		apiError(w, 400, "API_InvalidSyncAction", "Action must be Push, Pull or Sync.")
		return
	}
	res := map[string][]syncResult{"pushResults": {}, "pullResults": {}}
	for _, id := range in.ExternalVaultIDs {
		pulled, pushed, ok := s.syncVault(r.Context(), action, id)
		if !ok {
			apiError(w, 404, "API_ExternalVaultNotFound", "External vault %d not found.", id)
			return
		}
		res["pullResults"] = append(res["pullResults"], pulled...)
		res["pushResults"] = append(res["pushResults"], pushed...)
	}
	writeJSON(w, 200, res)
}

// syncVault runs "pull", "push" or "sync" on one vault; ok is false when there is no such vault.
func (s *Server) syncVault(ctx context.Context, action string, id int) (pulled, pushed []syncResult, ok bool) {
	s.mu.Lock()
	v := s.db.Vaults[id]
	var copyV vault
	if v != nil {
		copyV = *v
	}
	s.mu.Unlock()
	if v == nil {
		return nil, nil, false
	}
	if s.opts.SilentSync {
		return nil, s.silentPush(copyV), true
	}
	if action == "pull" || action == "sync" {
		pulled = s.pull(ctx, copyV)
	}
	if action == "push" || action == "sync" {
		if !copyV.Active {
			pushed = []syncResult{{ExternalVaultID: id, Name: copyV.DisplayName, ErrorMessage: "The vault link is not enabled for push: tick Enabled on the vault."}}
		} else {
			pushed = s.push(ctx, copyV)
		}
	}
	return pulled, pushed, true
}

// silentPush reports every linked secret as pushed, without pushing anything: what a server
// whose sync quietly does nothing would answer. Pulls report nothing.
func (s *Server) silentPush(v vault) []syncResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []syncResult
	for _, vs := range s.db.VaultSecrets {
		if vs.ExternalVaultID == v.ID && vs.Active && vs.LinkedSecretID != 0 {
			out = append(out, syncResult{ExternalVaultID: v.ID, ExternalVaultSecretID: vs.ID, Name: vs.Name, Success: true})
		}
	}
	return out
}

func (s *Server) pull(ctx context.Context, v vault) []syncResult {
	cfg, err := s.awsFor(v.CredentialSecretID, v.Region)
	if err != nil {
		return []syncResult{{ExternalVaultID: v.ID, Name: v.DisplayName, ErrorMessage: err.Error()}}
	}
	sm := secretsmanager.NewFromConfig(cfg)
	var out []syncResult
	p := secretsmanager.NewListSecretsPaginator(sm, &secretsmanager.ListSecretsInput{})
	for p.HasMorePages() {
		pageOut, err := p.NextPage(ctx)
		if err != nil {
			return append(out, syncResult{ExternalVaultID: v.ID, Name: v.DisplayName, ErrorMessage: awsReason(err)})
		}
		for _, sec := range pageOut.SecretList {
			name := aws.ToString(sec.Name)
			r := syncResult{ExternalVaultID: v.ID, Name: name}
			if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: sec.ARN, VersionStage: aws.String("AWSCURRENT")}); err != nil {
				r.ErrorMessage = awsReason(err)
				out = append(out, r)
				continue
			}
			now := s.opts.Now()
			s.mu.Lock()
			var found *vaultSecret
			for _, vs := range s.db.VaultSecrets {
				if vs.ExternalVaultID == v.ID && vs.Name == name {
					found = vs
				}
			}
			if found == nil {
				found = &vaultSecret{ID: s.db.nextID(), Name: name, ExternalVaultID: v.ID, Transform: "$PASSWORD", Active: true}
				s.db.VaultSecrets[found.ID] = found
			}
			found.LastPullDate = &now
			if vv := s.db.Vaults[v.ID]; vv != nil {
				vv.LastPullDate = &now
			}
			r.ExternalVaultSecretID, r.Success = found.ID, true
			s.mu.Unlock()
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) push(ctx context.Context, v vault) []syncResult {
	cfg, err := s.awsFor(v.CredentialSecretID, v.Region)
	if err != nil {
		return []syncResult{{ExternalVaultID: v.ID, Name: v.DisplayName, ErrorMessage: err.Error()}}
	}
	sm := secretsmanager.NewFromConfig(cfg)
	type job struct {
		vs    vaultSecret
		value string
		err   string
	}
	var jobs []job
	s.mu.Lock()
	for _, vs := range s.db.VaultSecrets {
		if vs.ExternalVaultID != v.ID || !vs.Active || vs.LinkedSecretID == 0 {
			continue
		}
		j := job{vs: *vs}
		if linked := s.db.Secrets[vs.LinkedSecretID]; linked == nil {
			j.err = "the linked secret no longer exists"
		} else {
			j.value = transform(vs.Transform, linked)
		}
		jobs = append(jobs, j)
	}
	s.mu.Unlock()
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].vs.ID < jobs[k].vs.ID })
	var out []syncResult
	for _, j := range jobs {
		r := syncResult{ExternalVaultID: v.ID, ExternalVaultSecretID: j.vs.ID, Name: j.vs.Name}
		if j.err == "" {
			j.err = pushOne(ctx, sm, j.vs.Name, j.value)
		}
		r.Success, r.ErrorMessage = j.err == "", j.err
		s.mu.Lock()
		if vs := s.db.VaultSecrets[j.vs.ID]; vs != nil {
			vs.LastPushResult = first(j.err, "Success")
		}
		s.mu.Unlock()
		out = append(out, r)
	}
	return out
}

// pushOne writes one value to AWS with exactly the calls the least-privilege policy allows.
// Every push writes a new version, as a push is what makes AWS current.
func pushOne(ctx context.Context, sm *secretsmanager.Client, name, value string) string {
	_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
	var nf interface{ ErrorCode() string }
	if err != nil && errors.As(err, &nf) && nf.ErrorCode() == "ResourceNotFoundException" {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: &name, SecretString: &value, Description: aws.String("Pushed by Delinea Secret Server")}); err != nil {
			return awsReason(err)
		}
		return ""
	}
	if err != nil {
		return awsReason(err)
	}
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &name, SecretString: &value}); err != nil {
		return awsReason(err)
	}
	return ""
}

// transform evaluates a push template: $SLUG is replaced by that field's value ($PASSWORD by
// the password field).
func transform(t string, sec *secret) string {
	out := t
	for _, it := range sec.Items {
		out = strings.ReplaceAll(out, "$"+strings.ToUpper(strings.ReplaceAll(it.Slug, "-", "")), it.ItemValue)
	}
	return out
}
