//! The AWS adapters: DynamoDB, S3, SESv2 and Step Functions. Every client's endpoint, region
//! and credentials come from the SDK's standard configuration (`AWS_ENDPOINT_URL` points them at
//! moto in tests); nothing is hard-coded.

pub mod dynamo;
pub mod kms;
pub mod s3;
pub mod ses;
pub mod sfn;
