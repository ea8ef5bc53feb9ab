package awstest

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SevenActions performs the seven Secrets Manager actions of module 5 with the given client.
func SevenActions(ctx context.Context, sm *secretsmanager.Client, name string) error {
	steps := []struct {
		what string
		do   func() error
	}{
		{"CreateSecret", func() error {
			_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("v1")})
			return err
		}},
		{"ListSecrets", func() error { _, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); return err }},
		{"DescribeSecret", func() error {
			_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &name})
			return err
		}},
		{"PutSecretValue", func() error {
			_, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &name, SecretString: aws.String("v2")})
			return err
		}},
		{"GetSecretValue", func() error {
			// moto keeps answering the old version without an explicit stage.
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &name, VersionStage: aws.String("AWSCURRENT")})
			if err == nil && aws.ToString(out.SecretString) != "v2" {
				return fmt.Errorf("read %q after writing v2", aws.ToString(out.SecretString))
			}
			return err
		}},
		{"ListSecretVersionIds", func() error {
			_, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: &name})
			return err
		}},
		{"UpdateSecretVersionStage", func() error {
			out, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: &name})
			if err != nil {
				return err
			}
			var cur, prev string
			for _, v := range out.Versions {
				if slices.Contains(v.VersionStages, "AWSCURRENT") {
					cur = aws.ToString(v.VersionId)
				} else {
					prev = aws.ToString(v.VersionId)
				}
			}
			_, err = sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &name, VersionStage: aws.String("AWSCURRENT"),
				MoveToVersionId: &prev, RemoveFromVersionId: &cur})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}
