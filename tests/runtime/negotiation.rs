//! Version negotiation: echo, counter-offer, and a server offering a revision nobody speaks.

use super::support::*;
use mcpgen::runtime::client::Client;
use mcpgen::runtime::{Error, ProtocolVersion};
use serde_json::json;

/// Every non-empty set of enabled revisions.
fn revision_sets() -> Vec<Vec<ProtocolVersion>> {
    let all = ProtocolVersion::ENABLED;
    (1..1u32 << all.len())
        .map(|mask| all.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| *v).collect())
        .collect()
}

#[tokio::test]
async fn client_revision_by_server_revision_set() {
    within(async {
        for set in revision_sets() {
            for &proposed in ProtocolVersion::ENABLED {
                // Echo when supported; otherwise the server's newest, which this client also speaks.
                let newest_of_set = *set.iter().max().expect("non-empty");
                let expected = if set.contains(&proposed) { proposed } else { newest_of_set };
                let h = connect_with(server_with(|b| b.protocol_versions(&set)), client(proposed)).await;
                assert_eq!(h.client.protocol_version(), expected, "client {proposed}, server {set:?}");
                assert_eq!(h.server.protocol_version(), Some(expected), "client {proposed}, server {set:?}");
                assert_eq!(h.call_text("add", json!({"a": 1, "b": 2})).await, "3");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_proposal_gets_the_servers_newest() {
    within(async {
        let old_only = [oldest()];
        let (definition, _probe) = server_with(|b| b.protocol_versions(&old_only));
        for proposal in ["2099-01-01", "not a date", newest().as_str()] {
            let (mut raw, _handle) = raw_server(&definition);
            let result = raw.initialize(proposal).await;
            assert_eq!(result["protocolVersion"], oldest().as_str(), "{proposal}");
            raw.ping_ok().await;
        }
    })
    .await;
}

#[tokio::test]
async fn offer_nobody_speaks_fails_the_connect_and_closes_cleanly() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = async {
            let request = fake.recv().await;
            assert_eq!(request["method"], "initialize");
            let result = json!({
                "protocolVersion": "1999-01-01",
                "capabilities": {},
                "serverInfo": {"name": "fake", "version": "0"},
            });
            fake.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result})).await;
            // No `notifications/initialized`: the client closes its side right away.
            fake.closed().await;
        };
        let (outcome, ()) = tokio::join!(client(newest()).connect(transport), fake_server);
        match outcome {
            Err(Error::UnsupportedVersion { offered, supported }) => {
                assert_eq!(offered, "1999-01-01");
                let enabled: Vec<&str> = ProtocolVersion::ENABLED.iter().map(|v| v.as_str()).collect();
                assert_eq!(supported, enabled);
            }
            Err(other) => panic!("expected UnsupportedVersion, got {other:?}"),
            Ok(client) => panic!("connected with {}", client.protocol_version()),
        }
    })
    .await;
}

#[tokio::test]
async fn initialize_error_fails_the_connect_and_closes_cleanly() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = async {
            let request = fake.recv().await;
            let error = json!({
                "code": -32602,
                "message": "Unsupported protocol version",
                "data": {"supported": ["2030-01-01"], "requested": request["params"]["protocolVersion"]},
            });
            fake.send(json!({"jsonrpc": "2.0", "id": request["id"], "error": error})).await;
            fake.closed().await;
        };
        // Pinned: unpinned, the client would first probe with server/discover, which this fake refuses.
        let builder = Client::builder("c", "1").protocol_version(newest());
        let (outcome, ()) = tokio::join!(builder.connect(transport), fake_server);
        let error = rpc_error(outcome);
        assert_eq!(error.code, -32602);
        assert_eq!(error.data.unwrap()["supported"], json!(["2030-01-01"]));
    })
    .await;
}
