/* Autosave for the survey pages: each answer is sent as soon as it is chosen.
 *
 * Unsent answers wait in a queue (criterion -> change number). When the network fails they are
 * sent again with a growing delay, and at once when the browser reports it is back online.
 * Without this script the page still works: the form posts the whole page.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-save-url]");
  if (!form || !window.fetch || !window.Map) {
    return;
  }
  var saveUrl = form.getAttribute("data-save-url");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var statusBar = form.querySelector("[data-status-bar]");
  var progress = document.querySelector("[data-progress]");
  var answeredCount = document.querySelector("[data-answered-count]");
  var MIN_DELAY = 1000;
  var MAX_DELAY = 30000;
  var TYPING_PAUSE = 800;

  var questions = {};
  var answered = {};
  Array.prototype.forEach.call(form.querySelectorAll("[data-criterion]"), function (el) {
    var key = el.getAttribute("data-criterion");
    questions[key] = el;
    answered[key] = el.getAttribute("data-answered") === "1";
  });

  var pending = new Map(); // criterion -> change number not yet confirmed by the server
  var changes = 0;
  var sending = false;
  var delay = MIN_DELAY;
  var timer = null;
  var typing = {};
  var stopped = false;

  function setState(key, state, text) {
    var el = questions[key] && questions[key].querySelector("[data-save-state]");
    if (el) {
      el.setAttribute("data-state", state);
      el.textContent = text;
    }
  }

  function setBar(state, text) {
    if (statusBar) {
      statusBar.setAttribute("data-state", state);
      statusBar.textContent = text;
    }
  }

  function answerOf(key) {
    var el = questions[key];
    if (el.getAttribute("data-kind") === "text") {
      return { criterion: key, text: el.querySelector("textarea").value };
    }
    var item = { criterion: key };
    var comment = el.querySelector("textarea");
    item.comment = comment ? comment.value : "";
    var checked = el.querySelector("input[type=radio]:checked");
    if (checked && checked.value === "na") {
      item.not_applicable = true;
    } else if (checked) {
      item.option = checked.value;
    }
    return item;
  }

  function countProgress(key) {
    var el = questions[key];
    if (el.getAttribute("data-kind") !== "scored" || answered[key]) {
      return;
    }
    if (el.querySelector("input[type=radio]:checked")) {
      answered[key] = true;
      if (progress) {
        progress.value = Number(progress.value) + 1;
      }
      if (answeredCount) {
        answeredCount.textContent = String(Number(answeredCount.textContent) + 1);
      }
    }
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, ms);
  }

  function changed(key) {
    if (stopped) {
      return;
    }
    changes += 1;
    pending.set(key, changes);
    setState(key, "saving", "Saving…");
    schedule(0);
  }

  function retryLater(keys) {
    keys.forEach(function (key) {
      setState(key, "retrying", "Not saved yet — retrying");
    });
    setBar("retrying", "Not saved yet — retrying. Your answers are kept on this page until the connection is back.");
    schedule(delay);
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function refuse(keys, status, body) {
    var message = (body && body.message) || "This answer could not be saved.";
    keys.forEach(function (key) {
      pending.delete(key);
      setState(key, "error", message);
    });
    if (status === 409 || status === 403 || status === 404 || status === 410) {
      // Submitted, withdrawn or expired meanwhile: nothing more can be saved from this page.
      stopped = true;
      window.clearTimeout(timer);
      setBar("error", message + " Reload the page to see where things stand.");
    } else {
      setBar("error", message);
    }
  }

  function flush() {
    if (sending || pending.size === 0 || stopped) {
      return;
    }
    var batch = new Map(pending);
    var keys = Array.from(batch.keys());
    sending = true;
    window
      .fetch(saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfInput ? csrfInput.value : "",
        },
        body: JSON.stringify({ answers: keys.map(answerOf) }),
      })
      .then(function (response) {
        if (response.ok) {
          batch.forEach(function (change, key) {
            // A newer change of the same answer is still waiting: it is not saved yet.
            if (pending.get(key) === change) {
              pending.delete(key);
              setState(key, "saved", "Saved");
            }
          });
          delay = MIN_DELAY;
          setBar(pending.size ? "saving" : "saved", pending.size ? "Saving…" : "All answers saved.");
          return;
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          return response
            .json()
            .catch(function () {
              return null;
            })
            .then(function (body) {
              refuse(keys, response.status, body);
            });
        }
        throw new Error("HTTP " + response.status);
      })
      .catch(function () {
        retryLater(keys);
      })
      .then(function () {
        sending = false;
        if (pending.size && !stopped && delay === MIN_DELAY) {
          schedule(0);
        }
      });
  }

  form.addEventListener("change", function (event) {
    var holder = event.target.closest("[data-criterion]");
    if (!holder || event.target.type !== "radio") {
      return;
    }
    var key = holder.getAttribute("data-criterion");
    countProgress(key);
    changed(key);
  });

  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") {
      return;
    }
    var key = event.target.closest("[data-criterion]").getAttribute("data-criterion");
    setState(key, "typing", "");
    window.clearTimeout(typing[key]);
    typing[key] = window.setTimeout(function () {
      changed(key);
    }, TYPING_PAUSE);
  });

  form.addEventListener(
    "blur",
    function (event) {
      if (event.target.tagName !== "TEXTAREA") {
        return;
      }
      var key = event.target.closest("[data-criterion]").getAttribute("data-criterion");
      if (typing[key]) {
        window.clearTimeout(typing[key]);
        typing[key] = null;
        changed(key);
      }
    },
    true
  );

  window.addEventListener("online", function () {
    delay = MIN_DELAY;
    schedule(0);
  });

  form.addEventListener("submit", function (event) {
    // The posted page saves every answer on it; offline, stay here and keep retrying instead.
    if (navigator.onLine === false) {
      event.preventDefault();
      setBar("retrying", "You are offline. Your answers will be saved when the connection is back; then continue.");
      return;
    }
    pending.clear();
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size && !stopped) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
