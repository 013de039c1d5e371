// The Monte Carlo page: start a run through the JSON API, follow its progress, then swap in the results the
// server renders. Without JavaScript the form posts to the page, which refreshes itself until the run is done.
(function () {
  "use strict";

  var POLL_MS = 300;
  var form = document.getElementById("mc-form");
  if (!form) {
    return;
  }
  var errorBox = document.getElementById("mc-error");
  var start = document.getElementById("mc-start");
  var project = form.dataset.project;

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    start.disabled = false;
    form.dataset.state = "failed";
  }

  function detail(body, fallback) {
    if (body && typeof body.detail === "string") {
      return body.detail;
    }
    if (body && Array.isArray(body.detail)) {
      return body.detail
        .map(function (d) {
          var where = Array.isArray(d.loc) ? d.loc.join(".") + ": " : d.path ? d.path + ": " : "";
          return where + (d.msg || d.message || d.expected || JSON.stringify(d));
        })
        .join("; ");
    }
    if (body && body.detail && typeof body.detail === "object") {
      return JSON.stringify(body.detail);
    }
    return fallback;
  }

  function progress(job) {
    var share = Math.max(0, Math.min(1, Number(job.progress) || 0));
    var percent = Math.round(100 * share) + "%";
    var bar = document.getElementById("mc-progress");
    var label = document.getElementById("mc-status");
    document.getElementById("mc-progress-box").hidden = false;
    bar.value = share;
    bar.textContent = percent;
    var words = { queued: "Queued", running: "Running", done: "Done", failed: "Failed" };
    label.textContent = (words[job.status] || String(job.status)) + ": " + percent;
  }

  function finish(id) {
    var headers = { "X-Chagai-Fragment": "mc-results" };
    var url = "/projects/" + encodeURIComponent(project) + "/risk?job=" + encodeURIComponent(id);
    fetch(url, { headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("mc-results");
        var current = document.getElementById("mc-results");
        if (!fresh || !current) {
          throw new Error("no results in the page");
        }
        window.chagai.purge(current);
        current.replaceWith(fresh);
        window.chagai.draw(fresh);
        start.disabled = false;
        form.dataset.state = fresh.dataset.status || "done";
      })
      .catch(function () {
        window.location.assign(url);
      });
  }

  function poll(id) {
    fetch("/api/simulations/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          fail("The run cannot be followed: " + detail(answer.body, "unknown run"));
          return;
        }
        progress(answer.body);
        if (answer.body.status === "done" || answer.body.status === "failed") {
          finish(id);
        } else {
          window.setTimeout(function () {
            poll(id);
          }, POLL_MS);
        }
      })
      .catch(function () {
        fail("The server could not be reached; reload the page to follow the run again.");
      });
  }

  function follow(id) {
    start.disabled = true;
    form.dataset.state = "running";
    window.history.replaceState(null, "", window.location.pathname + "?job=" + encodeURIComponent(id));
    poll(id);
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch) {
      return;
    }
    event.preventDefault();
    errorBox.hidden = true;
    start.disabled = true;
    var current = document.getElementById("mc-results");
    current.querySelectorAll("section").forEach(function (section) {
      window.chagai.purge(section);
      section.remove();
    });
    progress({ status: "queued", progress: 0 });
    var body = {
      project: project,
      paths: Number(form.elements.paths.value),
      seed: Number(form.elements.seed.value),
    };
    fetch("/api/simulations", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, body: answer };
        });
      })
      .then(function (answer) {
        if (!answer.ok || !answer.body.id) {
          fail("The run was not started: " + detail(answer.body, "the server refused it"));
          return;
        }
        follow(answer.body.id);
      })
      .catch(function () {
        fail("The server could not be reached.");
      });
  });

  var results = document.getElementById("mc-results");
  if (results && (results.dataset.status === "queued" || results.dataset.status === "running")) {
    follow(results.dataset.job);
  }
})();
