package awssim

import "time"

// managedPolicies are the AWS managed policies practice mode knows. SecretsManagerReadWrite is
// abridged to the statements that matter for the integration; what it grants on Secrets
// Manager (everything) is as in AWS.
func managedPolicies() []*policy {
	created := time.Date(2016, 4, 4, 18, 5, 29, 0, time.UTC)
	return []*policy{{
		Name: "SecretsManagerReadWrite", ID: "ANPAIZFPOAXPSCLFTWNU2", ARN: "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
		Path: "/", Default: "v5", AWSManaged: true, Created: created, NextVersion: 6,
		Description: "Provides read/write access to AWS Secrets Manager via the AWS Management Console.",
		Versions: []policyVersion{{ID: "v5", Created: created, Document: `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "BasePermissions", "Effect": "Allow", "Action": [
      "secretsmanager:*", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
      "cloudformation:DescribeStackResource", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet",
      "docdb-elastic:GetCluster", "docdb-elastic:ListClusters", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
      "ec2:DescribeVpcs", "kms:DescribeKey", "kms:ListAliases", "kms:ListKeys", "lambda:ListFunctions",
      "rds:DescribeDBClusters", "rds:DescribeDBInstances", "redshift:DescribeClusters",
      "redshift-serverless:ListWorkgroups", "redshift-serverless:GetNamespace", "tag:GetResources"],
     "Resource": "*"},
    {"Sid": "LambdaPermissions", "Effect": "Allow", "Action": ["lambda:AddPermission", "lambda:CreateFunction", "lambda:GetFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionConfiguration"], "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"},
    {"Sid": "SARPermissions", "Effect": "Allow", "Action": ["serverlessrepo:CreateCloudFormationChangeSet", "serverlessrepo:GetApplication"], "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"},
    {"Sid": "S3Permissions", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::awsserverlessrepo-changesets*", "arn:aws:s3:::secrets-manager-rotation-apps-*/*"]}
  ]
}`}},
	}}
}
