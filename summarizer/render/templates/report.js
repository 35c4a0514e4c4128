{% raw %}
(function () {
  "use strict";
  var pane = document.getElementById("source");
  var views = { clean: document.getElementById("text-clean"), original: document.getElementById("text-original") };
  var titles = { clean: "清洗后文本", original: "原始文本(清洗前)" };
  var current = "clean";
  var activeKey = null;
  var toastTimer = null;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function toast(msg) {
    var t = document.getElementById("toast");
    t.textContent = msg;
    t.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove("show"); }, 2200);
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // Scroll only the source pane (not the page) so the reader keeps their place in the summary;
  // fall back to scrollIntoView when the pane is not its own scroll box (narrow screens).
  function reveal(el) {
    if (pane.scrollHeight > pane.clientHeight + 1 && getComputedStyle(pane).overflowY !== "visible") {
      var pr = pane.getBoundingClientRect();
      var er = el.getBoundingClientRect();
      var top = pane.scrollTop + (er.top - pr.top) - pane.clientHeight / 3;
      pane.scrollTo({ top: Math.max(0, top), behavior: reduceMotion ? "auto" : "smooth" });
    } else {
      el.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
    }
  }

  function clear() {
    each(document.querySelectorAll("mark.hl"), function (m) { m.classList.remove("hl", "pulse"); });
    each(document.querySelectorAll(".ev-link.active"), function (a) { a.classList.remove("active"); });
  }

  function show(key) {
    clear();
    activeKey = key;
    each(document.querySelectorAll('.ev-link[data-ev="' + key + '"]'), function (a) { a.classList.add("active"); });
    var marks = views[current].querySelectorAll('mark[data-ids~="' + key + '"]');
    if (!marks.length) {
      toast("原文中没有可定位的依据");
      return;
    }
    each(marks, function (m) { m.classList.add("hl", "pulse"); });
    reveal(marks[0]);
  }

  function setView(name) {
    current = name;
    each(Object.keys(views), function (k) { views[k].hidden = k !== name; });
    each(document.querySelectorAll(".seg button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === name));
    });
    document.getElementById("source-title").textContent = titles[name];
    if (activeKey) { show(activeKey); } else { pane.scrollTop = 0; }
  }

  function showSection(key) {
    // Section offsets exist for the cleaned text only (the original has no section map).
    if (current !== "clean") { setView("clean"); }
    clear();
    activeKey = null;
    var anchor = document.getElementById("c-" + key);
    if (anchor) { reveal(anchor); }
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest(".ev-link");
    if (link) {
      e.preventDefault();
      show(link.getAttribute("data-ev"));
      return;
    }
    var sec = e.target.closest(".sec-link");
    if (sec) {
      e.preventDefault();
      showSection(sec.getAttribute("data-sec"));
      return;
    }
    var mark = e.target.closest(".text mark.ev");
    if (mark) {
      // From the source back to the summary: the innermost (last) evidence is the most specific.
      var keys = mark.getAttribute("data-ids").split(" ");
      for (var i = keys.length - 1; i >= 0; i--) {
        var target = document.querySelector('.summary .ev-link[data-ev="' + keys[i] + '"]');
        if (target && target.offsetParent !== null) {
          show(keys[i]);
          var host = target.closest("li, tr") || target;
          host.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
          host.classList.remove("flash");
          void host.offsetWidth;
          host.classList.add("flash");
          return;
        }
      }
    }
  });

  each(document.querySelectorAll(".seg button"), function (b) {
    b.addEventListener("click", function () { setView(b.getAttribute("data-view")); });
  });

  document.getElementById("only-problems").addEventListener("change", function (e) {
    document.body.classList.toggle("only-problems", e.target.checked);
    // The problems are in the metrics table: unfold it.
    var fold = document.getElementById("metrics-fold");
    if (fold && e.target.checked) { fold.open = true; }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { clear(); activeKey = null; }
  });

  // A link from elsewhere (the batch's index.html) to a metric's row, #row-m3: highlight its evidence too.
  function fromHash() {
    var m = /^#row-(m\d+)$/.exec(window.location.hash);
    if (m && document.getElementById("row-" + m[1])) { show(m[1]); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
{% endraw %}
