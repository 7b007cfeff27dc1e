//! The staff-account port on Cognito (`perizinan_aws::cognito`) against moto's cognito-idp: a
//! pool shaped like the stack's (e-mail as user name, the admin-only `custom:office` and
//! `custom:staff_name`, one group per role).

use crate::common;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, SchemaAttributeType, UsernameAttributeType,
};
use perizinan::domain::Role;
use perizinan::domain::office::OfficeCode;
use perizinan::domain::roster::Invitation;
use perizinan::ports::directory::{AccountError, Accounts};
use perizinan_aws::cognito::CognitoAccounts;

fn custom(name: &str) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .build()
}

async fn groups(client: &Client, pool: &str, username: &str) -> Vec<String> {
    let mut g: Vec<String> = client
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_string))
        .collect();
    g.sort();
    g
}

#[tokio::test]
async fn staff_accounts_on_cognito() {
    let sdk = common::aws::sdk(&common::aws::moto_main()).await;
    let client = Client::new(&sdk);
    let pool = client
        .create_user_pool()
        .pool_name(format!("pd-{}", uuid::Uuid::new_v4().simple()))
        .username_attributes(UsernameAttributeType::Email)
        .schema(custom("office"))
        .schema(custom("staff_name"))
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    for g in ["applicant", "front_office", "back_office", "section_head"] {
        client
            .create_group()
            .user_pool_id(&pool)
            .group_name(g)
            .send()
            .await
            .unwrap();
    }
    let accounts = CognitoAccounts::new(client.clone(), &pool);
    let bontang = OfficeCode::parse("bontang").unwrap();
    let pms = OfficeCode::parse("pematangsiantar").unwrap();
    let inv = Invitation {
        office: bontang.clone(),
        office_name: "DPMPTSP Kota Bontang".into(),
        name: "Eko Prasetyo".into(),
        email: "eko@dpmptsp-bontang.test".into(),
        roles: vec![Role::new("front_office")],
        reason: None,
    };
    let sub = accounts.invite(&inv).await.unwrap();
    let user = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username(&inv.email)
        .send()
        .await
        .unwrap();
    let attr = |n: &str| {
        user.user_attributes()
            .iter()
            .find(|a| a.name() == n)
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(attr("sub").as_deref(), Some(sub.as_str()));
    assert_eq!(attr("custom:office").as_deref(), Some("bontang"));
    assert_eq!(attr("custom:staff_name").as_deref(), Some("Eko Prasetyo"));
    let username = user.username().to_string();
    assert_eq!(groups(&client, &pool, &username).await, ["front_office"]);
    // A retried invitation to the same office completes the account (the same subject).
    let again = Invitation {
        roles: vec![Role::new("back_office")],
        ..inv.clone()
    };
    assert_eq!(accounts.invite(&again).await.unwrap(), sub);
    assert_eq!(groups(&client, &pool, &username).await, ["back_office"]);

    // Roles are the groups exactly; a group that is no staff role stays.
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username(&username)
        .group_name("applicant")
        .send()
        .await
        .unwrap();
    accounts
        .set_roles(
            &bontang,
            &sub,
            &[Role::new("front_office"), Role::new("section_head")],
        )
        .await
        .unwrap();
    assert_eq!(
        groups(&client, &pool, &username).await,
        ["applicant", "front_office", "section_head"]
    );
    // Another office's administration does not find the account.
    assert!(matches!(
        accounts.set_enabled(&pms, &sub, false).await,
        Err(AccountError::NotFound)
    ));
    assert!(matches!(
        accounts.set_roles(&bontang, "no-such-sub", &[]).await,
        Err(AccountError::NotFound)
    ));
    // Disabled, then enabled again.
    accounts.set_enabled(&bontang, &sub, false).await.unwrap();
    let enabled = |c: Client, p: String, u: String| async move {
        c.admin_get_user()
            .user_pool_id(p)
            .username(u)
            .send()
            .await
            .unwrap()
            .enabled()
    };
    assert!(!enabled(client.clone(), pool.clone(), username.clone()).await);
    accounts.set_enabled(&bontang, &sub, true).await.unwrap();
    assert!(enabled(client.clone(), pool.clone(), username.clone()).await);

    // An applicant's own account (no office) is never taken over by an invitation.
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("warga@contoh.test")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("warga@contoh.test")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let taken = Invitation {
        email: "warga@contoh.test".into(),
        ..inv.clone()
    };
    assert!(matches!(
        accounts.invite(&taken).await,
        Err(AccountError::Exists)
    ));
    // Nor another office's.
    let other = Invitation {
        office: pms.clone(),
        ..inv
    };
    assert!(matches!(
        accounts.invite(&other).await,
        Err(AccountError::Exists)
    ));
}
