// Quiz page behaviour: check answers, show score, right answers and explanations, reshuffle per attempt.
// Plain ES2015, no dependencies; the page works from a file:// URL without network.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("quiz-data").textContent);
  var text = data.text;
  var form = document.getElementById("quiz");
  var checkButton = document.getElementById("check");
  var againButton = document.getElementById("again");
  var result = document.getElementById("result");
  var sections = Array.prototype.slice.call(form.querySelectorAll("section.question"));
  var letters = "abcdefghijklmnopqrstuvwxyz";
  var attempt = 1;
  var checked = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // FNV-1a over a string: turns "seed:attempt:question" into a 32-bit generator seed.
  function hash(string) {
    var h = 2166136261;
    for (var i = 0; i < string.length; i++) {
      h ^= string.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    return h >>> 0;
  }

  // mulberry32: a tiny seeded generator, plenty for shuffling a handful of options.
  function mulberry32(state) {
    return function () {
      state = (state + 0x6d2b79f5) | 0;
      var t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function freshBase() {
    var word = new Uint32Array(1);
    window.crypto.getRandomValues(word);
    return "random-" + word[0];
  }

  function optionItems(section) {
    return Array.prototype.slice.call(section.querySelectorAll("li.option"));
  }

  function relabel(section) {
    optionItems(section).forEach(function (item, position) {
      item.querySelector(".option-letter").textContent = letters.charAt(position);
    });
  }

  // Fisher-Yates on the option list of every choice question; the DOM order is the tab and arrow-key order.
  function shuffleAll(base) {
    sections.forEach(function (section, number) {
      var items = optionItems(section);
      if (items.length < 2) {
        return;
      }
      var random = mulberry32(hash(base + ":" + attempt + ":" + number));
      for (var i = items.length - 1; i > 0; i--) {
        var j = Math.floor(random() * (i + 1));
        var swap = items[i];
        items[i] = items[j];
        items[j] = swap;
      }
      var list = items[0].parentNode;
      items.forEach(function (item) {
        list.appendChild(item);
      });
      relabel(section);
    });
  }

  // Same rule as grader.quiz.is_correct (math.isclose): within the stated tolerance, with slack for float
  // rounding, or equal up to a relative 1e-9.
  function closeEnough(value, question) {
    var relative = 1e-9 * Math.max(Math.abs(value), Math.abs(question.answer));
    var absolute = question.tolerance * (1 + 1e-9) + 1e-12;
    return Math.abs(value - question.answer) <= Math.max(relative, absolute);
  }

  function checkNumeric(section, question) {
    var input = section.querySelector("input");
    var raw = input.value.trim();
    var value = input.valueAsNumber;
    var answered = raw !== "" && isFinite(value);
    var correct = answered && closeEnough(value, question);
    var lines = [fill(text.right_answer, { answer: question.answerText })];
    if (answered && !correct) {
      lines.unshift(fill(text.your_answer, { answer: raw }));
    }
    return { answered: answered, correct: correct, lines: lines };
  }

  function checkChoice(section, question) {
    var chosen = [];
    var right = [];
    optionItems(section).forEach(function (item, position) {
      var index = Number(item.getAttribute("data-index"));
      var input = item.querySelector("input");
      var isRight = question.correct.indexOf(index) >= 0;
      var mark = "";
      if (input.checked) {
        chosen.push(index);
      }
      if (isRight) {
        right.push(letters.charAt(position));
        mark = input.checked ? text.mark_right : text.mark_missed;
        item.classList.add(input.checked ? "option-right" : "option-missed");
      } else if (input.checked) {
        mark = text.mark_wrong;
        item.classList.add("option-wrong");
      }
      item.querySelector(".option-mark").textContent = mark;
    });
    var correct =
      chosen.length === question.correct.length &&
      chosen.every(function (index) {
        return question.correct.indexOf(index) >= 0;
      });
    var template = right.length > 1 ? text.right_answers : text.right_answer;
    return {
      answered: chosen.length > 0,
      correct: correct,
      lines: [fill(template, { answer: right.join(text.list_separator) })],
    };
  }

  function check() {
    var score = 0;
    var review = [];
    sections.forEach(function (section, number) {
      var question = data.questions[number];
      var outcome = question.kind === "numeric" ? checkNumeric(section, question) : checkChoice(section, question);
      var state = outcome.correct ? "correct" : outcome.answered ? "wrong" : "unanswered";
      if (outcome.correct) {
        score += 1;
      } else {
        review.push(section);
      }
      section.classList.add("is-" + state);
      section.querySelector(".verdict").textContent = text[state];
      section.querySelector(".right-answer").textContent = outcome.lines.join(" · ");
      section.querySelector(".feedback").hidden = false;
      section.querySelector("fieldset").disabled = true;
    });
    var total = sections.length;
    var values = { score: score, total: total, percent: Math.round((100 * score) / total) };
    result.textContent = "";
    var summary = document.createElement("p");
    summary.className = "score";
    summary.textContent = fill(text.score, values);
    var reviewLine = document.createElement("p");
    reviewLine.className = "review";
    if (review.length === 0) {
      reviewLine.textContent = text.all_right;
    } else {
      var parts = fill(text.review, { list: "\u0000" }).split("\u0000");
      reviewLine.appendChild(document.createTextNode(parts[0]));
      review.forEach(function (section, position) {
        if (position > 0) {
          reviewLine.appendChild(document.createTextNode(text.list_separator));
        }
        var link = document.createElement("a");
        link.href = "#" + section.id;
        link.textContent = fill(text.question_short, { number: sections.indexOf(section) + 1 });
        reviewLine.appendChild(link);
      });
      reviewLine.appendChild(document.createTextNode(parts[1]));
    }
    result.appendChild(summary);
    result.appendChild(reviewLine);
    checked = true;
    checkButton.hidden = true;
    againButton.hidden = false;
    againButton.focus();
  }

  function reset() {
    attempt += 1;
    form.reset();
    sections.forEach(function (section) {
      section.classList.remove("is-correct", "is-wrong", "is-unanswered");
      section.querySelector(".feedback").hidden = true;
      section.querySelector("fieldset").disabled = false;
      optionItems(section).forEach(function (item) {
        item.classList.remove("option-right", "option-wrong", "option-missed");
        item.querySelector(".option-mark").textContent = "";
      });
    });
    if (data.shuffle) {
      shuffleAll(data.seed === null ? freshBase() : String(data.seed));
    }
    checked = false;
    checkButton.hidden = false;
    againButton.hidden = true;
    result.textContent = fill(data.shuffle ? text.new_attempt : text.new_attempt_fixed, { attempt: attempt });
    var first = form.querySelector("input");
    if (first) {
      first.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!checked) {
      check();
    }
  });
  // Enter in a field would submit the whole quiz; only the button checks.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT") {
      event.preventDefault();
    }
  });
  againButton.addEventListener("click", reset);

  if (data.shuffle && data.seed === null) {
    shuffleAll(freshBase());
  }
  document.documentElement.classList.add("js");
})();
