# Alerts (docs/infra.md › Alerts): a poisoned verification, a dead-lettered
# upload event, a tamper or residency refusal, a sweep that needs attention,
# and failing functions each page someone.
locals {
  create_action_group = var.alerts.action_group_id == null
  action_group_id     = local.create_action_group ? azurerm_monitor_action_group.this[0].id : var.alerts.action_group_id

  # The handler's refusal codes (shared/clip/reasons*.go, functions/sweep.go,
  # functions/anchor.go).
  # The handler logs them as `code=<CODE>` in each invocation's log lines,
  # which the Functions host forwards to Application Insights as traces
  # (AppTraces.Message); failed invocations log "invocation failed … code=…".
  # `contains`, not `has`: RESIDENCY_, SWEEP_ and IMMUTABILITY_ are prefixes of
  # the codes.
  alert_code_patterns = {
    tamper    = { codes = "TAMPER_OVERWRITE", severity = 0, what = "a clip was overwritten after upload (the first version is kept and flagged)" }
    residency = { codes = "RESIDENCY_", severity = 0, what = "a storage or Cosmos location outside the UK was refused" }
    sweep     = { codes = "SWEEP_", severity = 1, what = "the retention sweep refused, stopped or needs attention (clock, truncation, immutability)" }
    # The newest audit anchor does not check: someone changed the anchors
    # container (its lock should make that impossible) or the chain forked.
    anchor = { codes = "ANCHOR_CHAIN_INVALID", severity = 0, what = "the audit anchor chain does not verify: anchoring has stopped" }
    # Storage refused to set an immutability policy or a legal hold (the
    # account lost version-level immutability, or the role lost the action):
    # verifications and protecting changes fail until it is fixed.
    immutability = { codes = "IMMUTABILITY_", severity = 0, what = "Storage could not protect footage (immutability unsupported or a locked policy in the way)" }
  }

  # Log alerts on the UK workspace: name => query (a row = fire).
  log_alerts = merge(
    { for k, a in local.alert_code_patterns : "code-${k}" => {
      description = "bwv-ingest: ${a.what} (code ${a.codes}…). Runbook: docs/runbook.md."
      severity    = a.severity
      # Both forms: "code=X" (the invocation's log lines) and "code":"X"
      # (the handler's JSON log on stdout, if the host forwards it).
      query = format("AppTraces | where Message contains %q or Message contains %q", "code=${a.codes}", "\"code\":\"${a.codes}")
    } },
    {
      poison = {
        description = "bwv-ingest: a clip-verify message was moved to clip-verify-poison (verification failed 5 times). Runbook: docs/runbook.md › poison queue."
        severity    = 1
        query       = "StorageQueueLogs | where OperationName == \"PutMessage\" and ObjectKey contains \"/${local.queue_names.verify_poison}/\""
      }
      deadletter = {
        description = "bwv-ingest: Event Grid dead-lettered an upload event (ClipIngest unreachable for the whole retry window). Runbook: docs/runbook.md › dead letters."
        severity    = 1
        query       = "StorageBlobLogs | where OperationName in (\"PutBlob\", \"PutBlockList\") and ObjectKey contains \"/${local.container_names.deadletter}/\""
      }
      function-failures = {
        description = "bwv-ingest: function invocations failed (any function)."
        severity    = 2
        query       = "AppRequests | where Success == false"
      }
    },
  )
}

resource "azurerm_monitor_action_group" "this" {
  count = local.create_action_group ? 1 : 0

  name                = "ag-${var.name}"
  resource_group_name = azurerm_resource_group.this.name
  # Action groups are global in Azure: they hold the receivers (these
  # addresses) and no footage or records; the residency gate allows exactly
  # this type as global (internal/residencygate, globalByDesign).
  location   = "global"
  short_name = substr(replace("bwv${var.name}", "-", ""), 0, 12)
  tags       = local.tags

  dynamic "email_receiver" {
    for_each = var.alerts.email_receivers
    content {
      name                    = "email-${email_receiver.key}"
      email_address           = email_receiver.value
      use_common_alert_schema = true
    }
  }
}

resource "azurerm_monitor_scheduled_query_rules_alert_v2" "this" {
  for_each = local.log_alerts

  name                 = "alert-${var.name}-${each.key}"
  resource_group_name  = azurerm_resource_group.this.name
  location             = var.location
  description          = each.value.description
  severity             = each.value.severity
  scopes               = [azurerm_log_analytics_workspace.this.id]
  evaluation_frequency = "PT5M"
  window_duration      = "PT5M"
  enabled              = true
  tags                 = local.tags

  # The notification carries the rule's name and description and the row
  # count, never the rows (no dimensions: rows hold officer ids and names).
  criteria {
    query                   = each.value.query
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    failing_periods {
      minimum_failing_periods_to_trigger_alert = 1
      number_of_evaluation_periods             = 1
    }
  }

  action {
    action_groups = [local.action_group_id]
  }
}
