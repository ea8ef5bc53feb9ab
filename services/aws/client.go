// Package aws implements the wizard's IAM and Secrets Manager needs on aws-sdk-go-v2. Its
// operations "ensure" (adopt what exists, create what is missing), wait for new keys to
// propagate, and turn AWS errors into sentences an admin can act on.
package aws

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/wizard"
)

// OwnerTagKey marks IAM users and policies VaultLink created, so clean-up touches only those
// (defined in wizard/, which the health check and the export read it from).
const OwnerTagKey = wizard.OwnerTagKey

// OwnerTagValue is the value of OwnerTagKey.
const OwnerTagValue = wizard.OwnerTagValue

// Config says which AWS to talk to.
type Config struct {
	// Profile and Region select the admin's normal AWS configuration (shared config, SSO, env).
	Profile string
	Region  string
	// Endpoint overrides every service's endpoint (practice mode, tests). Empty: the standard
	// resolution, which also honours AWS_ENDPOINT_URL and friends.
	Endpoint string
	// StaticKeyID/StaticSecret, when set, replace the credential chain (practice mode).
	StaticKeyID  string
	StaticSecret wizard.Secret
	Audit        *audit.Log
	// KeyWait bounds the wait for a new access key to work (default 2 minutes).
	KeyWait time.Duration
	// MaxAttempts bounds the SDK's retries of throttling and server errors (default 5).
	MaxAttempts int
	// RequestTimeout bounds each HTTP attempt, so a server that never answers cannot hold a
	// step (default 60 s).
	RequestTimeout time.Duration
}

// Client implements wizard.IAM and wizard.SecretsManager.
type Client struct {
	cfg       aws.Config
	conf      Config
	iam       *iam.Client
	sts       *sts.Client
	sm        *secretsmanager.Client
	sleep     func(context.Context, time.Duration) error
	backoff   Backoff
	partition string

	// account is the caller's account id, learned from the first identity check: the
	// credentials of a client never change, so neither does it.
	mu      sync.Mutex
	account string
	// learned is what the last EnsurePolicy learned about a policy's default version (the id
	// a write returned, or the document it just read), so the read-back that follows it asks
	// AWS only for what it does not know yet. It is used once and then forgotten.
	learned map[string]policyVersion
}

// policyVersion is a policy's default version as an ensure left it: its id, and its
// document when the ensure read it from AWS (not when it wrote it: a write is verified by
// reading it back).
type policyVersion struct {
	id, document string
}

// New loads the AWS configuration and builds the clients. It makes no network call.
func New(ctx context.Context, c Config) (*Client, error) {
	if c.KeyWait == 0 {
		c.KeyWait = 2 * time.Minute
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 60 * time.Second
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(c.RequestTimeout)),
		config.WithRetryer(func() aws.Retryer {
			// IAM answers ConcurrentModification when writes race; it is safe to retry.
			return retry.AddWithErrorCodes(retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = c.MaxAttempts }), "ConcurrentModification")
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region)) // else the profile's or AWS_REGION
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.StaticKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.StaticKeyID, c.StaticSecret.Reveal(), "")))
	}
	if c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(c.Endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", (&Client{conf: c}).friendly(err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // IAM is global; Secrets Manager needs some region
	}
	c.Region = cfg.Region
	cfg.APIOptions = append(cfg.APIOptions, auditMiddleware(c.Audit))
	return &Client{
		cfg: cfg, conf: c,
		iam: iam.NewFromConfig(cfg), sts: sts.NewFromConfig(cfg), sm: secretsmanager.NewFromConfig(cfg),
		sleep: sleepCtx, backoff: KeyBackoff, partition: partitionOf(cfg.Region),
	}, nil
}

// Region is the region in use.
func (c *Client) Region() string { return c.cfg.Region }

// Endpoint is the endpoint override in use ("" for AWS's own endpoints).
func (c *Client) Endpoint() string {
	if c.cfg.BaseEndpoint != nil {
		return *c.cfg.BaseEndpoint
	}
	return ""
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// auditMiddleware records every AWS call: operation, target (the name it acts on), outcome and
// request id. It reads only name-like input fields, never values.
func auditMiddleware(log *audit.Log) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("VaultLinkAudit",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				e := audit.Entry{System: "aws", Operation: awsmw.GetServiceID(ctx) + ":" + awsmw.GetOperationName(ctx), Target: targetOf(in.Parameters)}
				if id, ok := awsmw.GetRequestIDMetadata(md); ok {
					e.RequestID = id
				}
				if err != nil {
					e.Outcome, e.Code = "error", errorCode(err)
					var rid interface{ ServiceRequestID() string }
					if errors.As(err, &rid) {
						e.RequestID = rid.ServiceRequestID()
					}
				}
				log.Record(e)
				return out, md, err
			}), middleware.After)
	}
}

var targetFields = []string{"UserName", "GroupName", "PolicyArn", "PolicyName", "SecretId", "Name"}

func targetOf(params any) string {
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	var parts []string
	for _, f := range targetFields {
		fv := v.FieldByName(f)
		if fv.IsValid() && fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.String {
			parts = append(parts, f+"="+fv.Elem().String())
		}
	}
	return strings.Join(parts, " ")
}

// ---- wizard.IAM ----

// CallerIdentity says who the configured credentials are.
func (c *Client) CallerIdentity(ctx context.Context) (wizard.Identity, error) {
	out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return wizard.Identity{}, fmt.Errorf("check your AWS identity: %w", c.friendly(err))
	}
	c.mu.Lock()
	c.account = aws.ToString(out.Account)
	c.mu.Unlock()
	return wizard.Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

func ownerTags() []iamtypes.Tag {
	return []iamtypes.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)}}
}

// EnsureUser returns the user, creating it (with the ownership tag) when missing. An existing
// user without the tag is returned only when adopt is true.
func (c *Client) EnsureUser(ctx context.Context, name string, adopt bool) (wizard.Entity, error) {
	got, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: &name})
	if err == nil {
		if !adopt {
			tags, err := c.UserTags(ctx, name)
			if err != nil {
				return wizard.Entity{}, err
			}
			if tags[OwnerTagKey] != OwnerTagValue {
				return wizard.Entity{}, &wizard.ForeignError{Kind: "user", Name: aws.ToString(got.User.UserName)}
			}
		}
		return wizard.Entity{Name: aws.ToString(got.User.UserName), ARN: aws.ToString(got.User.Arn)}, nil
	}
	if !isCode(err, "NoSuchEntity") {
		return wizard.Entity{}, fmt.Errorf("look up IAM user %s: %w", name, c.friendly(err))
	}
	made, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: &name, Tags: ownerTags()}, noRetry)
	if err != nil {
		return wizard.Entity{}, fmt.Errorf("create IAM user %s: %w", name, c.friendly(err))
	}
	return wizard.Entity{Name: aws.ToString(made.User.UserName), ARN: aws.ToString(made.User.Arn), Created: true}, nil
}

// EnsureGroup returns the group, creating it when missing. IAM groups cannot carry tags, so
// the caller says (adopt) whether an existing one may be used: its journal shows it created
// the group, or the admin agreed.
func (c *Client) EnsureGroup(ctx context.Context, name string, adopt bool) (wizard.Entity, error) {
	got, err := c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: &name})
	if err == nil {
		if !adopt {
			return wizard.Entity{}, &wizard.ForeignError{Kind: "group", Name: aws.ToString(got.Group.GroupName)}
		}
		return wizard.Entity{Name: aws.ToString(got.Group.GroupName), ARN: aws.ToString(got.Group.Arn)}, nil
	}
	if !isCode(err, "NoSuchEntity") {
		return wizard.Entity{}, fmt.Errorf("look up IAM group %s: %w", name, c.friendly(err))
	}
	// IAM groups cannot carry an ownership tag, so the wizard records its intent first: a
	// crash right after this create still leaves the group known as VaultLink's.
	if err := wizard.RecordIntent(ctx, "group", name); err != nil {
		return wizard.Entity{}, err
	}
	made, err := c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: &name}, noRetry)
	if err != nil {
		return wizard.Entity{}, fmt.Errorf("create IAM group %s: %w", name, c.friendly(err))
	}
	return wizard.Entity{Name: aws.ToString(made.Group.GroupName), ARN: aws.ToString(made.Group.Arn), Created: true}, nil
}

// AddUserToGroup adds the user (a no-op when already a member).
func (c *Client) AddUserToGroup(ctx context.Context, user, group string) error {
	if _, err := c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: &user, GroupName: &group}); err != nil {
		return fmt.Errorf("add %s to group %s: %w", user, group, c.friendly(err))
	}
	return nil
}

// GroupMembers lists the group's user names.
func (c *Client) GroupMembers(ctx context.Context, group string) ([]string, error) {
	var names []string
	p := iam.NewGetGroupPaginator(c.iam, &iam.GetGroupInput{GroupName: &group})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read members of group %s: %w", group, c.notFound(err))
		}
		for _, u := range page.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	return names, nil
}

// AccessKeys lists the user's keys (ids and status only; AWS never returns a secret again).
func (c *Client) AccessKeys(ctx context.Context, user string) ([]wizard.KeyMeta, error) {
	var keys []wizard.KeyMeta
	p := iam.NewListAccessKeysPaginator(c.iam, &iam.ListAccessKeysInput{UserName: &user})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list access keys of %s: %w", user, c.friendly(err))
		}
		for _, k := range page.AccessKeyMetadata {
			keys = append(keys, wizard.KeyMeta{ID: aws.ToString(k.AccessKeyId), Status: string(k.Status), Created: aws.ToTime(k.CreateDate)})
		}
	}
	return keys, nil
}

// AccessKeyLastUsed says when and by which service the key was last used (zero: never).
func (c *Client) AccessKeyLastUsed(ctx context.Context, id string) (wizard.KeyLastUsed, error) {
	out, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: &id})
	if err != nil {
		return wizard.KeyLastUsed{}, fmt.Errorf("read the last use of key %s: %w", wizard.MaskKeyID(id), c.friendly(err))
	}
	var lu wizard.KeyLastUsed
	if u := out.AccessKeyLastUsed; u != nil {
		lu.At = aws.ToTime(u.LastUsedDate)
		// AWS answers "N/A" for a key that was never used.
		if s := aws.ToString(u.ServiceName); s != "N/A" {
			lu.Service = s
		}
	}
	return lu, nil
}

// CreateAccessKey makes a key; its secret is returned wrapped and must go to the keyring.
func (c *Client) CreateAccessKey(ctx context.Context, user string) (wizard.AccessKey, error) {
	out, err := c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &user}, noRetry)
	if err != nil {
		if isCode(err, "LimitExceeded") {
			return wizard.AccessKey{}, fmt.Errorf("user %s already has 2 access keys, the most AWS allows: delete an unused one first", user)
		}
		return wizard.AccessKey{}, fmt.Errorf("create an access key for %s: %w", user, c.friendly(err))
	}
	return wizard.AccessKey{ID: aws.ToString(out.AccessKey.AccessKeyId), Secret: wizard.NewSecret(aws.ToString(out.AccessKey.SecretAccessKey))}, nil
}

// noRetry turns the SDK's automatic retries off for a call that creates something. When the
// answer is lost (a reset connection, a 5xx after the work was done, a truncated body), a
// retry would create a second key or trip over the first; instead the step fails, and the
// rerun finds what was made (its intent record, its tag) and adopts it.
func noRetry(o *iam.Options) { o.RetryMaxAttempts = 1 }

// DeleteAccessKey deletes the key and the user tag that describes it; either being gone
// already counts as done, so a retry after an interruption finishes the job.
func (c *Client) DeleteAccessKey(ctx context.Context, user, keyID string) error {
	if _, err := c.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: &user, AccessKeyId: &keyID}); err != nil && !isGone(err) {
		return fmt.Errorf("delete access key %s of %s: %w", wizard.MaskKeyID(keyID), user, c.friendly(err))
	}
	if _, err := c.iam.UntagUser(ctx, &iam.UntagUserInput{UserName: &user, TagKeys: []string{keyID}}); err != nil && !isGone(err) {
		return fmt.Errorf("remove the description tag of access key %s: %w", wizard.MaskKeyID(keyID), c.friendly(err))
	}
	return nil
}

// SetAccessKeyStatus makes the key active or inactive (iam:UpdateAccessKey). Setting the
// status it has already is accepted by AWS, so a rerun after an interruption is harmless.
func (c *Client) SetAccessKeyStatus(ctx context.Context, user, keyID string, active bool) error {
	status := iamtypes.StatusTypeInactive
	if active {
		status = iamtypes.StatusTypeActive
	}
	if _, err := c.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: &user, AccessKeyId: &keyID, Status: status}); err != nil {
		if isGone(err) {
			return fmt.Errorf("access key %s of %s: %w", wizard.MaskKeyID(keyID), user, wizard.ErrNotFound)
		}
		return fmt.Errorf("set access key %s of %s to %s: %w", wizard.MaskKeyID(keyID), user, status, c.friendly(err))
	}
	return nil
}

// TagUser sets one tag on the user (the console's access key description is such a tag).
func (c *Client) TagUser(ctx context.Context, user, key, value string) error {
	if _, err := c.iam.TagUser(ctx, &iam.TagUserInput{UserName: &user, Tags: []iamtypes.Tag{{Key: &key, Value: &value}}}); err != nil {
		return fmt.Errorf("tag user %s: %w", user, c.friendly(err))
	}
	return nil
}

// UserTags reads the user's tags.
func (c *Client) UserTags(ctx context.Context, user string) (map[string]string, error) {
	tags := map[string]string{}
	p := iam.NewListUserTagsPaginator(c.iam, &iam.ListUserTagsInput{UserName: &user})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read tags of %s: %w", user, c.notFound(err))
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// AttachGroupPolicy attaches a managed policy (a no-op when attached already).
func (c *Client) AttachGroupPolicy(ctx context.Context, group, arn string) error {
	if _, err := c.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: &group, PolicyArn: &arn}); err != nil {
		return fmt.Errorf("attach %s to group %s: %w", arn, group, c.friendly(err))
	}
	return nil
}

// AttachedGroupPolicies lists the ARNs of the group's managed policies.
func (c *Client) AttachedGroupPolicies(ctx context.Context, group string) ([]string, error) {
	var arns []string
	p := iam.NewListAttachedGroupPoliciesPaginator(c.iam, &iam.ListAttachedGroupPoliciesInput{GroupName: &group})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list policies of group %s: %w", group, c.notFound(err))
		}
		for _, a := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(a.PolicyArn))
		}
	}
	return arns, nil
}

// ManagedPolicyARN is the ARN of an AWS managed policy in this partition.
func (c *Client) ManagedPolicyARN(name string) string {
	return "arn:" + c.partition + ":iam::aws:policy/" + name
}

// EnsurePolicy creates the customer managed policy, or adopts an existing one with the same
// name; when the existing default document differs, the new document becomes a new default
// version (deleting the oldest non-default version when the 5-version limit is reached).
func (c *Client) EnsurePolicy(ctx context.Context, name, document, description string, adopt bool) (wizard.Entity, error) {
	arn, err := c.policyARN(ctx, name)
	if err != nil {
		return wizard.Entity{}, err
	}
	// Look before creating, so a second run makes no create call at all. GetPolicy also says
	// which version is the default, so the document is then one GetPolicyVersion away.
	defaultVersion := ""
	if got, err := c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn}); isGone(err) {
		made, err := c.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &document, Description: &description, Tags: ownerTags()})
		if err == nil {
			c.learn(aws.ToString(made.Policy.Arn), policyVersion{id: aws.ToString(made.Policy.DefaultVersionId)})
			return wizard.Entity{Name: name, ARN: aws.ToString(made.Policy.Arn), Created: true}, nil
		}
		if !isCode(err, "EntityAlreadyExists") { // made meanwhile by someone else: treated as existing
			return wizard.Entity{}, fmt.Errorf("create policy %s: %w", name, c.friendly(err))
		}
	} else if err != nil {
		return wizard.Entity{}, fmt.Errorf("look up policy %s: %w", name, c.friendly(err))
	} else {
		defaultVersion = aws.ToString(got.Policy.DefaultVersionId)
	}
	// Ownership matters only without consent (the admin's, or the journal's: this progress
	// made or took over the policy before), so the tags are read only then.
	if !adopt {
		owned, err := c.policyOwned(ctx, arn)
		if err != nil {
			return wizard.Entity{}, err
		}
		if !owned {
			// Checked before anything changes: a foreign policy gets no new version without consent.
			return wizard.Entity{}, &wizard.ForeignError{Kind: "policy", Name: name}
		}
	}
	var current string
	if defaultVersion != "" {
		current, err = c.versionDocument(ctx, arn, defaultVersion)
	} else {
		current, err = c.PolicyDocument(ctx, arn)
	}
	if err != nil {
		return wizard.Entity{}, err
	}
	a, errA := wizard.ParsePolicyDocument(current)
	b, errB := wizard.ParsePolicyDocument(document)
	if errA == nil && errB == nil && wizard.SamePolicy(a, b) {
		if defaultVersion != "" {
			c.learn(arn, policyVersion{id: defaultVersion, document: current})
		}
		return wizard.Entity{Name: name, ARN: arn}, nil
	}
	versions, err := c.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &arn})
	if err != nil {
		return wizard.Entity{}, fmt.Errorf("list versions of %s: %w", arn, c.friendly(err))
	}
	if len(versions.Versions) >= 5 {
		var oldest *iamtypes.PolicyVersion
		for i, v := range versions.Versions {
			if !v.IsDefaultVersion && (oldest == nil || aws.ToTime(v.CreateDate).Before(aws.ToTime(oldest.CreateDate))) {
				oldest = &versions.Versions[i]
			}
		}
		if oldest != nil {
			if _, err := c.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: oldest.VersionId}); err != nil {
				return wizard.Entity{}, fmt.Errorf("make room for a new version of %s: %w", arn, c.friendly(err))
			}
		}
	}
	made, err := c.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: &document, SetAsDefault: true}, noRetry)
	if err != nil {
		return wizard.Entity{}, fmt.Errorf("update policy %s: %w", arn, c.friendly(err))
	}
	c.learn(arn, policyVersion{id: aws.ToString(made.PolicyVersion.VersionId)})
	return wizard.Entity{Name: name, ARN: arn}, nil
}

// learn keeps what an ensure learned about a policy's default version for the next
// PolicyDocument of that policy.
func (c *Client) learn(arn string, v policyVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.learned == nil {
		c.learned = map[string]policyVersion{}
	}
	c.learned[arn] = v
}

// recall returns, once, what the last ensure learned about the policy.
func (c *Client) recall(arn string) (policyVersion, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.learned[arn]
	delete(c.learned, arn)
	return v, ok && v.id != ""
}

// policyARN is the ARN a customer managed policy of that name has in the caller's account.
func (c *Client) policyARN(ctx context.Context, name string) (string, error) {
	c.mu.Lock()
	account := c.account
	c.mu.Unlock()
	if account == "" {
		id, err := c.CallerIdentity(ctx)
		if err != nil {
			return "", err
		}
		account = id.Account
	}
	return "arn:" + c.partition + ":iam::" + account + ":policy/" + name, nil
}

// policyOwned says whether the policy carries VaultLink's ownership tag.
func (c *Client) policyOwned(ctx context.Context, arn string) (bool, error) {
	out, err := c.iam.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: &arn})
	if err != nil {
		return false, fmt.Errorf("read tags of policy %s: %w", arn, c.friendly(err))
	}
	return hasOwnerTag(out.Tags), nil
}

// PolicyDocument reads the default version's document, decoded. Right after EnsurePolicy it
// reuses what the ensure learned: the document it had just read from AWS (nothing was written
// since), or the default version id its write returned (then only that version is read, to
// verify what is stored).
func (c *Client) PolicyDocument(ctx context.Context, arn string) (string, error) {
	if v, ok := c.recall(arn); ok {
		if v.document != "" {
			return v.document, nil
		}
		return c.versionDocument(ctx, arn, v.id)
	}
	pol, err := c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &arn})
	if err != nil {
		return "", fmt.Errorf("read policy %s: %w", arn, c.notFound(err))
	}
	return c.versionDocument(ctx, arn, aws.ToString(pol.Policy.DefaultVersionId))
}

// versionDocument reads one version's document, decoded.
func (c *Client) versionDocument(ctx context.Context, arn, versionID string) (string, error) {
	ver, err := c.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &arn, VersionId: &versionID})
	if err != nil {
		return "", fmt.Errorf("read policy %s: %w", arn, c.friendly(err))
	}
	// IAM returns the document URL-encoded (RFC 3986).
	doc, err := url.QueryUnescape(strings.ReplaceAll(aws.ToString(ver.PolicyVersion.Document), "+", "%2B"))
	if err != nil {
		return "", fmt.Errorf("decode the document of %s: %w", arn, err)
	}
	return doc, nil
}

// WaitForKey waits, within KeyWait in all, until the new key works: first
// sts:GetCallerIdentity (the key is known), then secretsmanager:ListSecrets (its permissions
// have propagated too). Each probe is tried at once and then on the KeyBackoff schedule
// (short, growing, capped pauses with jitter; see Backoff), retrying only the errors
// propagation causes; anything else is reported at once.
func (c *Client) WaitForKey(ctx context.Context, key wizard.AccessKey, progress func(string)) (wizard.Identity, error) {
	cfg := c.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key.ID, key.Secret.Reveal(), ""))
	ctx, cancel := context.WithTimeout(ctx, c.conf.KeyWait)
	defer cancel()
	var id wizard.Identity
	stsClient := sts.NewFromConfig(cfg)
	err := c.poll(ctx, progress, "AWS does not accept the new key yet", []string{"InvalidClientTokenId", "UnrecognizedClientException"}, func() error {
		out, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			id = wizard.Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
		}
		return err
	})
	if err != nil {
		return wizard.Identity{}, fmt.Errorf("sign in with the new key: %w", err)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	err = c.poll(ctx, progress, "the new key cannot list secrets yet (permissions are still propagating)",
		[]string{"AccessDeniedException", "AccessDenied", "UnrecognizedClientException"}, func() error {
			_, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
			return err
		})
	if err != nil {
		return wizard.Identity{}, fmt.Errorf("list secrets with the new key: %w", err)
	}
	return id, nil
}

// progressEvery spaces the wait's progress messages: the schedule tries about once a second,
// and a line per try would flood the activity log.
const progressEvery = 2 * time.Second

// poll calls try until it succeeds, fails with an error not in retry, or ctx ends (KeyWait
// bounds it), pausing before each try as c.backoff says (not at all before the first).
func (c *Client) poll(ctx context.Context, progress func(string), waiting string, retry []string, try func() error) error {
	start := time.Now()
	var reported time.Time
	// stopped explains why the wait ended early: the KeyWait deadline or a Cancel.
	stopped := func() error {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s after %s: check the key and the group's policies in the IAM console, then run this step again: %w", waiting, c.conf.KeyWait, c.friendly(ctx.Err()))
		}
		return fmt.Errorf("stopped waiting: %w", ctx.Err())
	}
	for attempt := 1; ; attempt++ {
		if pause := c.backoff.Pause(attempt); pause > 0 {
			if c.sleep(ctx, pause) != nil {
				return stopped()
			}
		}
		err := try()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// The deadline or a Cancel ended the call itself, not AWS.
			return stopped()
		}
		if !isCode(err, retry...) {
			return c.friendly(err)
		}
		if now := time.Now(); reported.IsZero() || now.Sub(reported) >= progressEvery {
			reported = now
			progress(fmt.Sprintf("%s (attempt %d, %s so far; usually under 10 seconds)", waiting, attempt, now.Sub(start).Round(time.Second)))
		}
	}
}

// ---- wizard.SecretsManager ----

// SecretNames lists the secret names in the region.
func (c *Client) SecretNames(ctx context.Context) ([]string, error) {
	var names []string
	p := secretsmanager.NewListSecretsPaginator(c.sm, &secretsmanager.ListSecretsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list secrets in AWS Secrets Manager: %w", c.friendly(err))
		}
		for _, s := range page.SecretList {
			names = append(names, aws.ToString(s.Name))
		}
	}
	return names, nil
}

// SecretVersion reads which version of a secret is current and when it last changed; it
// never reads the value. A secret that does not exist is reported as such, not as an error.
func (c *Client) SecretVersion(ctx context.Context, name string) (wizard.SecretVersion, error) {
	out, err := c.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if isCode(err, "ResourceNotFoundException") {
		return wizard.SecretVersion{}, nil
	}
	if err != nil {
		return wizard.SecretVersion{}, fmt.Errorf("describe secret %q in AWS Secrets Manager: %w", name, c.friendly(err))
	}
	v := wizard.SecretVersion{Exists: true, LastChanged: aws.ToTime(out.LastChangedDate)}
	for id, stages := range out.VersionIdsToStages {
		if slices.Contains(stages, "AWSCURRENT") {
			v.VersionID = id
		}
	}
	return v, nil
}

var (
	_ wizard.IAM            = (*Client)(nil)
	_ wizard.SecretsManager = (*Client)(nil)
)
