/* Proposal pages: live word counters, sections shown per group, an unsent copy of the form
 * kept in this browser (offered back after a lost session), per-section saving and uploads
 * with progress. Everything also works without this script: it only adds comfort. */
(function () {
  "use strict";

  var WORDS = /[\p{L}\p{N}\p{M}]+(?:[-'\u2019][\p{L}\p{N}\p{M}]+)*/gu;

  function countWords(text) {
    var found = (text || "").match(WORDS);
    return found ? found.length : 0;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }

  // -- word counters ---------------------------------------------------------------------
  function initCounters(root) {
    root.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
      var out = document.getElementById(area.id + "-count");
      if (!out) return;
      var limit = parseInt(area.getAttribute("data-word-limit"), 10);
      var update = function () {
        var n = countWords(area.value);
        out.textContent = fill(out.getAttribute("data-template"), { n: n, limit: limit });
        out.classList.toggle("over", n > limit);
      };
      area.addEventListener("input", update);
      update();
    });
  }

  // -- sections that apply to some groups only -------------------------------------------
  function initGroups(form) {
    var select = form.querySelector("select[name=group_code]");
    if (!select) return;
    var update = function () {
      form.querySelectorAll("[data-groups]").forEach(function (el) {
        var groups = el.getAttribute("data-groups").split(" ").filter(Boolean);
        el.hidden = groups.length > 0 && groups.indexOf(select.value) < 0;
      });
    };
    select.addEventListener("change", update);
    update();
  }

  // -- the unsent copy in localStorage ---------------------------------------------------
  // The copy keeps what was typed and the baseline it was typed on: the values and version
  // the page was loaded with. Restoring puts back only what the person changed, so newer
  // saved values of the other fields stay; a field changed on both sides is left to the
  // server's edit-conflict check (the restored form carries the old version again).
  function snapshot(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit") return;
      if (el.type === "checkbox") {
        if (!(el.name in values)) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!(el.name in values) || el.type === "hidden") return;
      if (el.type === "checkbox") {
        el.checked = values[el.name].indexOf(el.value) >= 0;
      } else {
        el.value = values[el.name];
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function normalised(value) {
    if (value === undefined || value === null) return "";
    if (Array.isArray(value)) return value.slice().sort().join("\n");
    return String(value).replace(/\s+/g, " ").trim();
  }

  function same(a, b) {
    return normalised(a) === normalised(b);
  }

  // a baseline known to be a saved version (not one from before baselines were kept, nor a
  // refused form's, which shows what was typed, nor a new form's)
  function known(base) {
    return Boolean(base && base.version);
  }

  // what the copy holds that the page does not show yet: the fields the person changed from
  // the baseline (without a known one: every field that differs, and the server decides)
  function pendingChanges(stored, shown) {
    var pending = {};
    Object.keys(stored.values).forEach(function (name) {
      if (!(name in shown)) return;
      var base = known(stored.base) ? stored.base.values : null;
      var changed = base ? !same(stored.values[name], base[name]) : true;
      if (changed && !same(stored.values[name], shown[name])) pending[name] = stored.values[name];
    });
    return pending;
  }

  // a pending field whose saved value changed too since the baseline (or no baseline known)
  function clashes(stored, pending, shown) {
    if (!known(stored.base)) return true;
    return Object.keys(pending).some(function (name) {
      return !same(shown[name], stored.base.values[name]);
    });
  }

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the server copy is all we have */
    }
  }

  function initDraftCopy(form) {
    var key = form.getAttribute("data-draft-key");
    var forget = form.getAttribute("data-draft-forget");
    if (forget) write(forget, null);
    var version = form.querySelector("input[name=version]");
    var shown = snapshot(form);
    // what the typing starts from; a section saved on its own moves it on (initSectionSave).
    // A refused (stale) form shows what was typed, not a saved version: no known baseline.
    var stale = form.hasAttribute("data-stale");
    form.draftBase = { values: shown, version: version && !stale ? version.value : "" };
    var stored = read(key);
    var pending = stored && stored.values ? pendingChanges(stored, shown) : {};
    var banner = document.getElementById("draft-restore");
    if (Object.keys(pending).length > 0) {
      banner.hidden = false;
      document.getElementById("draft-restore-yes").addEventListener("click", function () {
        if (clashes(stored, pending, shown)) {
          // typed on another version: saving goes through the server's conflict check
          form.draftBase = known(stored.base) ? stored.base : { values: shown, version: "" };
          if (version) version.value = form.draftBase.version;
        }
        restore(form, pending);
        banner.hidden = true;
      });
      document.getElementById("draft-restore-no").addEventListener("click", function () {
        write(key, null);
        banner.hidden = true;
      });
    } else {
      write(key, null); // the page shows what was saved: nothing is pending
    }
    var keep = function () {
      write(key, { at: Date.now(), values: snapshot(form), base: form.draftBase });
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }

  // -- the new form's one-time token ------------------------------------------------------
  // The token makes this form's first save a draft and a second save (Back, a double click)
  // find that draft. A browser that fetches the page again on Back would give it a fresh
  // token, so the token is kept with this history entry and put back.
  function initOnce(form) {
    var input = form.querySelector("input[name=uuid]");
    if (!input || !window.history.replaceState) return;
    var state = window.history.state || {};
    if (state.proposalUuid) {
      input.value = state.proposalUuid;
    } else {
      state = Object.assign({}, state, { proposalUuid: input.value });
      window.history.replaceState(state, "");
    }
  }

  // -- saving one section without leaving the page ---------------------------------------
  function initSectionSave(form) {
    form.querySelectorAll("button[data-section-url]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var fieldset = button.closest("fieldset");
        var area = fieldset.querySelector("textarea");
        var status = fieldset.querySelector(".section-status");
        if (!area || !window.fetch) return; // let the whole form be posted
        event.preventDefault();
        var version = form.querySelector("input[name=version]");
        var text = area.value;
        var body = new FormData();
        body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
        body.append("version", version ? version.value : "");
        body.append("text", text);
        button.disabled = true;
        fetch(button.getAttribute("data-section-url"), {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.json().then(function (data) {
              return { ok: response.ok, code: response.status, data: data };
            });
          })
          .then(function (result) {
            if (result.ok) {
              // the page is now at the version this save made
              if (version) version.value = result.data.version;
              if (known(form.draftBase)) {
                form.draftBase.values[area.name] = text;
                form.draftBase.version = result.data.version;
              }
              status.textContent = fill(form.getAttribute("data-msg-saved"), {
                time: result.data.saved,
              });
              var box = fieldset.querySelector(".field");
              box.querySelectorAll("small.error").forEach(function (el) {
                el.remove();
              });
              result.data.issues.forEach(function (message) {
                var note = document.createElement("small");
                note.className = "error";
                note.setAttribute("role", "alert");
                note.textContent = message;
                box.appendChild(note);
              });
              box.classList.toggle("has-error", result.data.issues.length > 0);
            } else if (result.code === 400 || result.code === 401) {
              status.textContent = form.getAttribute("data-msg-expired");
            } else {
              status.textContent = result.data.error || "";
            }
          })
          .catch(function () {
            status.textContent = form.getAttribute("data-msg-expired");
          })
          .then(function () {
            button.disabled = false;
          });
      });
    });
  }

  // -- uploads with progress -------------------------------------------------------------
  function initUpload(form) {
    var input = form.querySelector("input[type=file]");
    var bar = document.getElementById("upload-progress");
    var message = document.getElementById("upload-message");
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    var say = function (text) {
      message.textContent = text;
      message.hidden = !text;
    };
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      var file = input.files[0];
      if (file && file.size > max) {
        event.preventDefault();
        say(form.getAttribute("data-msg-too-large"));
        return;
      }
      if (!file) return; // the server says what is missing
      event.preventDefault();
      say("");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var data = {};
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) {
          data = {};
        }
        if (xhr.status === 201) {
          window.location.reload();
        } else if (xhr.status === 400 && data.error) {
          bar.hidden = true;
          say(data.error);
        } else if (xhr.status === 400 || xhr.status === 401) {
          bar.hidden = true;
          say(form.getAttribute("data-msg-expired"));
        } else {
          bar.hidden = true;
          say(data.error || form.getAttribute("data-msg-failed"));
        }
      });
      xhr.addEventListener("error", function () {
        bar.hidden = true;
        say(form.getAttribute("data-msg-failed"));
      });
      xhr.send(new FormData(form));
    });
  }

  var proposalForm = document.getElementById("proposal-form");
  if (proposalForm) {
    initCounters(proposalForm);
    initGroups(proposalForm);
    initOnce(proposalForm);
    initDraftCopy(proposalForm);
    initSectionSave(proposalForm);
  }
  var uploadForm = document.getElementById("upload-form");
  if (uploadForm) initUpload(uploadForm);
})();
