// Mock exam page: countdown, one question at a time, navigator with flags, submit, scores per area and topic.
// Plain ES2015, no dependencies; the page works from a file:// URL without network.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("exam-data").textContent);
  var text = data.text;
  var form = document.getElementById("exam");
  var sections = Array.prototype.slice.call(form.querySelectorAll("section.question"));
  var navItems = Array.prototype.slice.call(document.querySelectorAll(".nav-item"));
  var countdown = document.getElementById("countdown");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var flagButton = document.getElementById("flag");
  var letters = "abcdefghijklmnopqrstuvwxyz";
  var flagged = {};
  var current = 0;
  var submitted = false;
  var confirming = false;
  var started = Date.now();
  var deadline = started + data.minutes * 60000;
  var timer = null;
  // An exam in progress survives a reload: its start, answers and flags are kept in localStorage under a key
  // of this paper; nothing is kept once it is submitted. A stored value that does not fit is ignored.
  var storageKey = ["dlgrade-exam", data.lang, data.seed, data.questions.length, data.minutes].join(":");

  function stored() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      var now = Date.now();
      if (
        saved &&
        typeof saved.started === "number" &&
        saved.started <= now &&
        saved.started > now - 2 * data.minutes * 60000 &&
        Array.isArray(saved.answers) &&
        saved.answers.length === sections.length &&
        Array.isArray(saved.flagged)
      ) {
        return saved;
      }
    } catch (error) {
      // storage refused (private mode, file:// policy) or a damaged value: start afresh
    }
    return null;
  }

  function save() {
    if (submitted) {
      return;
    }
    var answers = sections.map(function (section) {
      var value = response(section);
      if (value === null) {
        return null;
      }
      return section.getAttribute("data-kind") === "numeric" ? section.querySelector("input").value : String(value);
    });
    var marks = Object.keys(flagged).filter(function (key) {
      return flagged[key];
    });
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ started: started, answers: answers, flagged: marks }));
    } catch (error) {
      // nowhere to keep it: the exam still works, only a reload loses it
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(storageKey);
    } catch (error) {
      // nothing was kept
    }
  }

  function restore(saved) {
    started = saved.started;
    deadline = started + data.minutes * 60000;
    saved.answers.forEach(function (value, position) {
      if (typeof value !== "string") {
        return;
      }
      var section = sections[position];
      if (section.getAttribute("data-kind") === "numeric") {
        section.querySelector("input").value = value;
        return;
      }
      Array.prototype.forEach.call(section.querySelectorAll("li.option input"), function (input) {
        input.checked = input.value === value;
      });
    });
    saved.flagged.forEach(function (key) {
      var position = Number(key);
      if (position >= 0 && position < sections.length && Math.floor(position) === position) {
        flagged[position] = true;
      }
    });
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function clockText(milliseconds) {
    var whole = Math.max(0, Math.ceil(milliseconds / 1000));
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var seconds = whole % 60;
    var two = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return hours ? hours + ":" + two(minutes) + ":" + two(seconds) : minutes + ":" + two(seconds);
  }

  // What a section holds: the source index chosen, the number typed, or null.
  function response(section) {
    if (section.getAttribute("data-kind") === "numeric") {
      var input = section.querySelector("input");
      return input.value.trim() !== "" && isFinite(input.valueAsNumber) ? input.valueAsNumber : null;
    }
    var chosen = section.querySelector("input:checked");
    return chosen ? Number(chosen.value) : null;
  }

  // Same rule as grader.quiz.bank.is_correct (math.isclose).
  function isRight(question, value) {
    if (value === null) {
      return false;
    }
    if (question.kind === "numeric") {
      var relative = 1e-9 * Math.max(Math.abs(value), Math.abs(question.answer));
      var absolute = question.tolerance * (1 + 1e-9) + 1e-12;
      return Math.abs(value - question.answer) <= Math.max(relative, absolute);
    }
    return question.correct.length === 1 && question.correct[0] === value;
  }

  function refreshNavigator() {
    navItems.forEach(function (item, position) {
      var answered = response(sections[position]) !== null;
      item.classList.toggle("answered", answered);
      item.classList.toggle("flagged", !!flagged[position]);
      item.classList.toggle("current", position === current);
      var states = [answered ? text.answered : text.not_answered];
      if (flagged[position]) {
        states.push(text.flagged);
      }
      item.setAttribute("aria-label", fill(text.question_short, { number: position + 1 }) + ": " + states.join(", "));
      if (position === current) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
    });
    flagButton.setAttribute("aria-pressed", flagged[current] ? "true" : "false");
    sections.forEach(function (section, position) {
      section.querySelector(".flag-mark").hidden = !flagged[position];
    });
  }

  function show(position, focus) {
    if (submitted || position < 0 || position >= sections.length) {
      return;
    }
    current = position;
    sections.forEach(function (section, index) {
      section.hidden = index !== position;
    });
    confirming = false;
    status.textContent = "";
    refreshNavigator();
    if (focus) {
      var first = sections[position].querySelector("input:checked") || sections[position].querySelector("input");
      if (first) {
        first.focus();
      }
    }
  }

  function tick() {
    var left = deadline - Date.now();
    countdown.textContent = clockText(left);
    countdown.classList.toggle("low", left <= 5 * 60000);
    if (left <= 0 && !submitted) {
      submit(true);
    }
  }

  function table(caption, rows) {
    var element = document.createElement("table");
    var head = element.createCaption();
    head.textContent = caption;
    var header = element.insertRow();
    [text.column_name, text.column_right, text.column_percent].forEach(function (name) {
      var cell = document.createElement("th");
      cell.textContent = name;
      header.appendChild(cell);
    });
    rows.forEach(function (row) {
      var line = element.insertRow();
      var name = line.insertCell();
      name.textContent = row.name;
      var right = line.insertCell();
      right.className = "number";
      right.textContent = row.right + " / " + row.total;
      var percent = line.insertCell();
      percent.className = "number";
      percent.textContent = Math.round((100 * row.right) / row.total);
    });
    return element;
  }

  function submit(timeUp) {
    submitted = true;
    forget();
    window.clearInterval(timer);
    var score = 0;
    var byTopic = {};
    var byArea = {};
    sections.forEach(function (section, position) {
      var question = data.questions[position];
      var value = response(section);
      var right = isRight(question, value);
      var state = right ? "correct" : value === null ? "unanswered" : "wrong";
      score += right ? 1 : 0;
      var topic = (byTopic[question.topic] = byTopic[question.topic] || { right: 0, total: 0 });
      var area = data.topics[question.topic].area;
      var inArea = (byArea[area] = byArea[area] || { right: 0, total: 0 });
      topic.right += right ? 1 : 0;
      topic.total += 1;
      inArea.right += right ? 1 : 0;
      inArea.total += 1;
      var answerText;
      if (question.kind === "numeric") {
        answerText = question.answerText;
      } else {
        var items = Array.prototype.slice.call(section.querySelectorAll("li.option"));
        items.forEach(function (item, shown) {
          var index = Number(item.getAttribute("data-index"));
          var chosen = item.querySelector("input").checked;
          if (question.correct.indexOf(index) >= 0) {
            answerText = letters.charAt(shown);
            item.classList.add(chosen ? "option-right" : "option-missed");
          } else if (chosen) {
            item.classList.add("option-wrong");
          }
        });
      }
      var lines = [fill(text.right_answer, { answer: answerText })];
      if (state === "wrong" && question.kind === "numeric") {
        lines.unshift(fill(text.your_answer, { answer: String(value) }));
      }
      section.classList.add("is-" + state);
      navItems[position].classList.add("is-" + state);
      section.querySelector(".verdict").textContent = text[state];
      section.querySelector(".right-answer").textContent = lines.join(" · ");
      section.querySelector(".feedback").hidden = false;
      section.querySelector("fieldset").disabled = true;
      section.hidden = false;
    });
    var total = sections.length;
    var used = clockText(Math.min(data.minutes * 60000, Date.now() - started));
    result.textContent = "";
    var summary = document.createElement("p");
    summary.className = "score";
    summary.textContent = fill(text.score, {
      score: score,
      total: total,
      percent: Math.round((100 * score) / total),
      used: used,
      minutes: data.minutes,
    });
    result.appendChild(summary);
    var areaRows = data.areas
      .filter(function (pair) {
        return byArea[pair[0]];
      })
      .map(function (pair) {
        return { name: pair[1], right: byArea[pair[0]].right, total: byArea[pair[0]].total };
      });
    result.appendChild(table(text.by_area, areaRows));
    var topicRows = Object.keys(byTopic)
      .sort(function (a, b) {
        return Number(a) - Number(b);
      })
      .map(function (key) {
        return { name: key + " " + data.topics[key].title, right: byTopic[key].right, total: byTopic[key].total };
      });
    result.appendChild(table(text.by_topic, topicRows));
    status.textContent = timeUp ? text.time_up : "";
    document.body.classList.add("submitted");
    countdown.textContent = clockText(Math.max(0, deadline - Date.now()));
    summary.tabIndex = -1;
    summary.focus();
  }

  navItems.forEach(function (item, position) {
    item.addEventListener("click", function () {
      show(position, true);
      if (submitted) {
        sections[position].scrollIntoView();
      }
    });
  });
  document.getElementById("previous").addEventListener("click", function () {
    show(current - 1, false);
  });
  document.getElementById("next").addEventListener("click", function () {
    show(current + 1, false);
  });
  flagButton.addEventListener("click", function () {
    flagged[current] = !flagged[current];
    refreshNavigator();
    save();
  });
  form.addEventListener("change", function () {
    refreshNavigator();
    save();
  });
  form.addEventListener("input", function () {
    refreshNavigator();
    save();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitted) {
      return;
    }
    var unanswered = sections.filter(function (section) {
      return response(section) === null;
    }).length;
    var flaggedCount = Object.keys(flagged).filter(function (key) {
      return flagged[key];
    }).length;
    if ((unanswered || flaggedCount) && !confirming) {
      confirming = true;
      status.textContent = fill(text.confirm, { unanswered: unanswered, flagged: flaggedCount });
      return;
    }
    submit(false);
  });
  // Keys: a-d choose, n / p move, f flags; not while typing a number or with a modifier held.
  document.addEventListener("keydown", function (event) {
    if (submitted || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (event.key === "Enter" && target.tagName === "INPUT") {
      event.preventDefault(); // Enter in a field would submit the whole exam; only the button submits
      return;
    }
    if (target.tagName === "INPUT" && target.type === "number") {
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "n") {
      show(current + 1, true);
    } else if (key === "p") {
      show(current - 1, true);
    } else if (key === "f") {
      flagButton.click();
    } else if (key.length === 1 && letters.indexOf(key) >= 0) {
      var inputs = sections[current].querySelectorAll("li.option input");
      var choice = inputs[letters.indexOf(key)];
      if (!choice) {
        return;
      }
      choice.checked = true;
      choice.focus();
      refreshNavigator();
      save();
    } else {
      return;
    }
    event.preventDefault();
  });

  var saved = stored();
  if (saved) {
    restore(saved);
  }
  save();
  show(0, false);
  tick();
  timer = window.setInterval(tick, 1000);
  document.documentElement.classList.add("js");
})();
