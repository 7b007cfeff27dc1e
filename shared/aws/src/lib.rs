//! The AWS adapters: DynamoDB, S3, SESv2, SNS (SMS), Step Functions, KMS and Cognito (staff accounts), the Lambda glue (`lambda`) and
//! a function's services built from its environment (`boot`). Every client's endpoint, region
//! and credentials come from the SDK's standard configuration (`AWS_ENDPOINT_URL` points them at
//! moto in tests); nothing is hard-coded.

pub mod boot;
pub mod cognito;
pub mod dynamo;
pub mod http;
pub mod kms;
pub mod lambda;
pub mod s3;
pub mod ses;
pub mod sfn;
pub mod sns;
pub mod ssm;

pub use boot::{AwsPorts, from_env, sdk_loader};
