/* contract-gate portal, a service page: Swagger UI with a plugin of ours.
 *
 * The plugin wraps each operation: a line with its effective owner and SLO (and "internal"), and,
 * once expanded, a panel with where each is declared, its callers and callees (status, budget,
 * commitment, agreed value; each a link to the other side's operation) and its findings. Everything
 * comes from window.contractGatePortal (S.data.js), never from the spec; React escapes every text.
 */
(function () {
  "use strict";
  var data = window.contractGatePortal;
  var spec = window.contractGateSpec;
  var STATUS_HELP = {
    "aligned": "the callee's p99 fits the budget (and the agreed value is the budget)",
    "violated": "the callee's p99 is above the budget, or the agreed value differs",
    "undeclared": "a budget, the callee's p99 or the caller's declaration is missing or invalid",
    "unresolved": "the callee has no such operation",
    "out-of-view": "the other service is not among the inputs"
  };

  function ContractPlugin(system) {
    var h = system.React.createElement;

    function shown(value) { return value === null || value === undefined ? "—" : String(value); }

    function sourced(label, value, kind) {
      if (!value) {
        return h("tr", { className: "cg-" + kind + " cg-missing" },
          h("th", null, label), h("td", null, h("span", { className: "cg-invalid" }, "missing")));
      }
      return h("tr", { className: "cg-" + kind },
        h("th", null, label),
        h("td", null,
          h("span", { className: "cg-value " + (value.valid ? "cg-valid" : "cg-invalid") }, value.value),
          value.valid ? null : h("span", { className: "cg-problem" }, " " + shown(value.problem)),
          h("div", { className: "cg-declared" }, "declared on " + value.declared + ": ",
            h("code", null, value.file + " › " + value.place))));
    }

    function pairRow(pair) {
      var name = pair.service + " · " + pair.operation;
      var target = pair.href ? h("a", { href: pair.href, className: "cg-link" }, name) :
        h("span", { className: "cg-link cg-nolink" }, name);
      var notes = [];
      if (pair.mode === "async") { notes.push("async"); }
      if (!pair.counted) { notes.push("not counted: " + pair.not_counted); }
      if (pair.reason) { notes.push(pair.reason); }
      return h("tr", { className: "cg-pair cg-status-" + pair.status, key: name },
        h("td", null, target, pair.bu ? h("div", { className: "cg-small" }, pair.bu) : null),
        h("td", null, h("span", { className: "cg-pill", title: STATUS_HELP[pair.status] || "" }, pair.status)),
        h("td", { className: "cg-budget" }, shown(pair.budget)),
        h("td", { className: "cg-commitment" }, shown(pair.commitment)),
        h("td", { className: "cg-agreed" }, shown(pair.agreed)),
        h("td", { className: "cg-why" }, notes.join("; ")));
    }

    function pairTable(title, kind, pairs) {
      return h("div", { className: "cg-pairs cg-" + kind },
        h("h5", null, title + " (" + pairs.length + ")"),
        pairs.length === 0 ? h("p", { className: "cg-small" }, "none") :
          h("table", null,
            h("thead", null, h("tr", null, h("th", null, kind === "callers" ? "Caller" : "Callee"),
              h("th", null, "Status"), h("th", null, "Budget"), h("th", null, "Commitment"),
              h("th", null, "Agreed"), h("th", null, "Notes"))),
            h("tbody", null, pairs.map(pairRow))));
    }

    function findingList(findings) {
      return h("div", { className: "cg-findings" },
        h("h5", null, "Findings (" + findings.length + ")"),
        findings.length === 0 ? h("p", { className: "cg-small" }, "none") :
          h("ul", null, findings.map(function (f, index) {
            return h("li", { key: index },
              h("span", { className: "cg-sev-" + f.severity }, f.severity), " ",
              h("code", null, f.rule), " ", f.message,
              f.line ? h("span", { className: "cg-small" }, " line " + f.line) : null);
          })));
    }

    function marks(entry) {
      return h("div", { className: "cg-marks" },
        entry.internal ? h("span", { className: "cg-internal-mark", title: "never counted in the metrics" },
          "internal") : null,
        h("span", { className: "cg-mark" }, "owner ",
          h("strong", null, entry.owner ? entry.owner.value : "missing")),
        h("span", { className: "cg-mark" }, "p99 ",
          h("strong", null, entry.slo ? entry.slo.value : "missing")),
        h("span", { className: "cg-mark" }, entry.callers.length + " caller" + (entry.callers.length === 1 ? "" : "s") +
          ", " + entry.callees.length + " callee" + (entry.callees.length === 1 ? "" : "s")),
        entry.findings.length ? h("span", { className: "cg-mark cg-has-findings" },
          entry.findings.length + " finding" + (entry.findings.length === 1 ? "" : "s")) : null);
    }

    function panel(entry) {
      return h("section", { className: "cg-panel", "aria-label": "Contract of " + entry.key },
        h("h4", null, "Contract",
          entry.internal ? h("span", { className: "cg-internal-mark" }, "internal: never counted") : null),
        h("table", { className: "cg-values" }, h("tbody", null,
          sourced("Owner (x-bu-owner)", entry.owner, "owner"),
          sourced("SLO (x-slo-p99)", entry.slo, "slo"))),
        pairTable("Called by", "callers", entry.callers),
        pairTable("Calls", "callees", entry.callees),
        findingList(entry.findings));
    }

    return {
      wrapComponents: {
        operation: function (Original) {
          return function (props) {
            var op = props.operation;
            var entry = data.operations[op.get("method") + " " + op.get("path")];
            if (!entry) { return h(Original, props); }
            return h("div", {
              className: "cg-operation" + (entry.internal ? " cg-internal" : ""),
              "data-operation": entry.key
            }, marks(entry), h(Original, props), op.get("isShown") ? panel(entry) : null);
          };
        }
      }
    };
  }

  // Read before Swagger UI starts: its own deep linking rewrites a hash whose key holds "/".
  var initialHash = window.location.hash;
  var ui = SwaggerUIBundle({
    domNode: document.getElementById("swagger-ui"),
    spec: spec,
    deepLinking: true,
    plugins: [ContractPlugin],
    supportedSubmitMethods: [],
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    onComplete: function () { openFromHash(initialHash); }
  });

  /* Swagger UI's DOM id of an operation: its key joined with "-", whitespace as "_", CSS-escaped. */
  function domId(tag, id) {
    return window.CSS.escape(("operations-" + tag + "-" + id).trim().replace(/\s/g, "_"));
  }

  /* "#/Tag/opId": expand that operation and scroll to it. Swagger UI does this once, on load,
   * and not for keys holding "/"; this also runs when a link on the page changes the hash. */
  function openFromHash(hash) {
    var parts = hash.replace(/^#!?\/?/, "").split("/");
    if (parts.length !== 2) { return; }
    var tag, id;
    try {
      tag = decodeURIComponent(parts[0]);
      id = decodeURIComponent(parts[1]);
    } catch (error) {
      return;
    }
    ui.layoutActions.show(["operations-tag", tag], true);
    ui.layoutActions.show(["operations", tag, id], true);
    var target = domId(tag, id);
    var tries = 0;
    (function scroll() {
      var element = document.getElementById(target);
      if (element) {
        element.scrollIntoView();
      } else if (tries < 40) {
        tries += 1;
        window.setTimeout(scroll, 50);
      }
    }());
  }
  window.addEventListener("hashchange", function () { openFromHash(window.location.hash); });
}());
