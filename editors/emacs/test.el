;;; test.el --- canopy with eglot, in a real Emacs -*- lexical-binding: t; -*-

;; Run by editors/emacs/test.sh, which builds canopy and puts it first on the PATH:
;;
;;   emacs --batch -q -l editors/emacs/test.el
;;
;; (`-q', not `-Q': `-Q' skips the site-lisp start-up that puts Debian's elpa-eglot on the
;; load-path.)  Each scenario copies a fixture to a temporary folder, opens files the way a user
;; does (`find-file' with `eglot-ensure' in the major mode's hook), and reads the results through
;; the commands and data Emacs shows a user: the buffer `xref-find-definitions' lands in,
;; eldoc's documentation, flymake's diagnostics.  Any failed expectation prints FAIL and exits 1.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'xref)
(require 'flymake)
(require 'eldoc)

(defconst canopy-test-here (file-name-directory (or load-file-name buffer-file-name)))
(defconst canopy-test-repo (expand-file-name "../../" canopy-test-here))
(defconst canopy-test-tmp (make-temp-file "canopy-eglot-" t))
(defconst canopy-test-programs (copy-tree eglot-server-programs)
  "Eglot's own table, restored before each scenario.")
(defvar canopy-test-passed 0)

;;;; Reporting

(defun canopy-test-fail (fmt &rest args)
  (message "FAIL: %s" (apply #'format fmt args))
  (ignore-errors (let ((inhibit-message t)) (eglot-shutdown-all)))
  (delete-directory canopy-test-tmp t)
  (kill-emacs 1))

(defun canopy-test-ok (fmt &rest args)
  (setq canopy-test-passed (1+ canopy-test-passed))
  (message "ok: %s" (apply #'format fmt args)))

(defun canopy-test-wait (what pred &optional seconds)
  "Process events until PRED returns non-nil, and return that; fail after SECONDS (10)."
  (let ((deadline (+ (float-time) (or seconds 10)))
        result)
    (while (and (not (setq result (funcall pred)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or result (canopy-test-fail "timed out after %ss waiting for %s" (or seconds 10) what))))

;;;; Set-up

;; No Nix major mode is packaged for Debian 12 (there is no elpa-nix-mode): when none is installed,
;; a bare one stands in.  Eglot only needs the mode's name; nix-mode proper adds highlighting.
(unless (fboundp 'nix-mode)
  (define-derived-mode nix-mode prog-mode "Nix"
    "Stand-in for nix-mode in canopy's eglot test."
    (setq-local comment-start "# "))
  (add-to-list 'auto-mode-alist '("\\.nix\\'" . nix-mode)))

(let ((canopy (executable-find "canopy")))
  (unless canopy
    (canopy-test-fail "no `canopy' on the PATH (editors/emacs/test.sh puts target/debug first)"))
  (message "canopy: %s\n%s\neglot: %s" canopy (emacs-version) (locate-library "eglot")))

(setq eglot-sync-connect t              ; connect before returning: no race with the checks
      eglot-autoreconnect nil
      eglot-events-buffer-size 0
      flymake-no-changes-timeout nil
      make-backup-files nil
      enable-local-variables :all)      ; the .dir-locals.el of scenario 3, without asking

(defun canopy-test-fixture (name &optional git)
  "Copy fixtures/NAME into a fresh folder and return the copy's path (with a slash).
With GIT, make the copy a git repository, as a user's flake is: project.el then roots eglot at it."
  (let ((dest (file-name-as-directory (make-temp-file (expand-file-name name canopy-test-tmp) t))))
    (copy-directory (expand-file-name (concat "fixtures/" name) canopy-test-repo) dest nil nil t)
    (when git
      (let ((default-directory dest))
        (unless (eq 0 (call-process "git" nil nil nil "init" "--quiet"))
          (canopy-test-fail "git init failed in %s" dest))))
    dest))

(defun canopy-test-reset ()
  "Shut every server down and close every file, so that the next scenario starts clean."
  (let ((inhibit-message t)) (eglot-shutdown-all))
  (dolist (buf (buffer-list))
    (when (buffer-file-name buf) (kill-buffer buf)))
  (setq eglot-server-programs (copy-tree canopy-test-programs))
  (remove-hook 'project-find-functions 'canopy-eglot-flake-project))

(defun canopy-test-open (file)
  "Visit FILE as a user does: find-file, then the end of the command, when `eglot-ensure' connects."
  (find-file file)
  ;; `eglot-ensure' defers the connection to `post-command-hook'; batch Emacs runs no command
  ;; loop, so run the hook as the end of the `find-file' command would.
  (run-hooks 'post-command-hook)
  (let ((server (canopy-test-wait (format "eglot to manage %s" file)
                                  (lambda () (and (eglot-managed-p) (eglot-current-server))))))
    (unless (equal (plist-get (eglot--server-info server) :name) "canopy")
      (canopy-test-fail "the server managing %s is %S, not canopy"
                        file (eglot--server-info server)))
    server))

(defun canopy-test-goto (text &optional offset)
  "Put point on the first occurrence of TEXT in the buffer, OFFSET characters into it."
  (goto-char (point-min))
  (unless (search-forward text nil t)
    (canopy-test-fail "%s has no %S" (buffer-name) text))
  (goto-char (+ (match-beginning 0) (or offset 0))))

(defun canopy-test-definitions ()
  "The definitions xref finds at point, as (\"relative/path.nix:LINE\" ...), sorted."
  (let* ((root (project-root (eglot--project (eglot-current-server))))
         (id (xref-backend-identifier-at-point 'eglot)))
    (sort (mapcar (lambda (item)
                    (let ((loc (xref-item-location item)))
                      (format "%s:%d" (file-relative-name (xref-location-group loc) root)
                              (xref-location-line loc))))
                  (xref-backend-definitions 'eglot id))
          #'string<)))

(defun canopy-test-diagnostics ()
  "Flymake's diagnostics of the current buffer, as (\"LINE:COL TYPE [code]\" ...), sorted."
  (sort (mapcar (lambda (d)
                  (save-excursion
                    (goto-char (flymake-diagnostic-beg d))
                    (let ((text (flymake-diagnostic-text d)))
                      (format "%d:%d %s %s" (line-number-at-pos) (1+ (current-column))
                              (flymake-diagnostic-type d)
                              (if (string-match "\\[[a-z-]+\\]" text) (match-string 0 text) text)))))
                (flymake-diagnostics))
        #'string<))

(defun canopy-test-wait-diagnostics (expected)
  "Wait until flymake shows exactly EXPECTED in the current buffer (see `canopy-test-diagnostics')."
  (let ((deadline (+ (float-time) 10))
        seen)
    (while (and (not (equal (setq seen (canopy-test-diagnostics)) expected))
                (< (float-time) deadline))
      ;; What flymake's own timers do in an interactive Emacs: check the buffer again.
      (flymake-start)
      (accept-process-output nil 0.1))
    (unless (equal seen expected)
      (canopy-test-fail "flymake shows in %s:\n  %S\nexpected:\n  %S" (buffer-name) seen expected))
    seen))

;;;; Scenario 1: the one-line configuration in a git repository

(defun canopy-test-navigation ()
  (canopy-test-reset)
  ;; The configuration README.md gives, verbatim.
  (with-eval-after-load 'eglot
    (add-to-list 'eglot-server-programs '((nix-mode nix-ts-mode) . ("canopy" "lsp"))))
  (add-hook 'nix-mode-hook #'eglot-ensure)
  (let* ((root (canopy-test-fixture "flake-modules" t))
         (gouda (expand-file-name "modules/hosts/gouda.nix" root)))
    (canopy-test-open gouda)
    (let ((server-root (project-root (eglot--project (eglot-current-server)))))
      (unless (file-equal-p server-root root)
        (canopy-test-fail "eglot rooted canopy at %s, not at the repository %s" server-root root)))
    (canopy-test-ok "eglot-ensure starts `canopy lsp' for nix-mode, rooted at the git repository")

    ;; `ssh' in the host's `with' list: M-. jumps to modules/base/ssh.nix, onto the definition.
    (canopy-test-goto "        ssh" 8)
    (canopy-test-wait "the index to know `ssh'"
                      (lambda () (equal (canopy-test-definitions) '("modules/base/ssh.nix:3"))))
    (xref-find-definitions (xref-backend-identifier-at-point 'eglot))
    (unless (file-equal-p (buffer-file-name) (expand-file-name "modules/base/ssh.nix" root))
      (canopy-test-fail "M-. on `ssh' landed in %s" (buffer-file-name)))
    (let ((line (buffer-substring (line-beginning-position) (line-end-position))))
      (unless (and (= (line-number-at-pos) 3)
                   (looking-at-p "ssh")
                   (string-match-p "flake\\.modules\\.nixos\\.ssh" line))
        (canopy-test-fail "M-. on `ssh' landed on line %d, %S, point before %S"
                          (line-number-at-pos) line
                          (buffer-substring (point) (min (point-max) (+ (point) 10))))))
    (canopy-test-ok "M-. on `ssh' in hosts/gouda.nix jumps to base/ssh.nix:3, onto `flake.modules.nixos.ssh'")

    ;; `desktop' (nixos) has two definitions: xref offers both files.
    (switch-to-buffer (get-file-buffer gouda))
    (canopy-test-goto "        desktop" 8)
    (let ((found (canopy-test-definitions)))
      (unless (equal found '("modules/desktop/desktop.nix:3" "modules/desktop/fonts.nix:3"))
        (canopy-test-fail "definitions of `desktop': %S" found)))
    (canopy-test-ok "definitions of `desktop': desktop/desktop.nix:3 and desktop/fonts.nix:3")

    ;; Hover, as eldoc shows it: collect what eldoc hands its display functions.
    (let* ((shown nil)
           (eldoc-display-functions
            (list (lambda (docs _interactive)
                    (setq shown (mapconcat (lambda (doc) (format "%s" (car doc))) docs "\n"))))))
      (eldoc-print-current-symbol-info t)
      (canopy-test-wait "eldoc to show the hover of `desktop'" (lambda () shown))
      (setq shown (substring-no-properties shown))
      (dolist (expected '("aspect" "desktop" "nixos` · 2 files" "homeManager` · 1 file" "gouda"))
        (unless (string-search expected shown)
          (canopy-test-fail "eldoc's hover of `desktop' lacks %S:\n%s" expected shown))))
    (canopy-test-ok "eldoc shows the hover of `desktop': nixos · 2 files, homeManager · 1 file, host gouda")))

;;;; Scenario 2: settings as initializationOptions

(defun canopy-test-init-options ()
  (canopy-test-reset)
  (add-to-list 'eglot-server-programs
               '((nix-mode nix-ts-mode)
                 . ("canopy" "lsp" :initializationOptions
                    (:diagnostics (:disabled ["unknown-class"] :unusedAspect t)))))
  (add-hook 'nix-mode-hook #'eglot-ensure)
  (let ((root (canopy-test-fixture "broken" t)))
    ;; The first file opened: its diagnostics come once the server has indexed the folder.
    (canopy-test-open (expand-file-name "modules/features/unused.nix" root))
    (canopy-test-wait-diagnostics '("3:23 eglot-note [unused-aspect]"))
    (canopy-test-ok "flymake shows the unused-aspect hint in unused.nix (off by default, on by :initializationOptions)")))

;;;; Scenario 3: canopy-eglot.el, a flake inside a larger repository, settings from .dir-locals.el

(defun canopy-test-helper ()
  (canopy-test-reset)
  (load (expand-file-name "canopy-eglot.el" canopy-test-here) nil t)
  (canopy-eglot-setup)
  (add-hook 'nix-mode-hook #'eglot-ensure)
  ;; A dotfiles repository with the flake in a subfolder: project.el would root eglot at the
  ;; repository; canopy-eglot roots it at the flake.
  (let* ((repo (canopy-test-fixture "broken" t))
         (flake (file-name-as-directory (expand-file-name "nixos" repo))))
    (make-directory flake)
    (dolist (entry '("flake.nix" "modules"))
      (rename-file (expand-file-name entry repo) (expand-file-name entry flake)))
    (with-temp-file (expand-file-name ".dir-locals.el" flake)
      (prin1 '((nil . ((eglot-workspace-configuration
                        . (:canopy (:diagnostics (:disabled ["wrong-class-import"])))))))
             (current-buffer)))
    (canopy-test-open (expand-file-name "modules/hosts/gruyere.nix" flake))
    (let ((server-root (project-root (eglot--project (eglot-current-server)))))
      (unless (file-equal-p server-root flake)
        (canopy-test-fail "canopy-eglot rooted canopy at %s, not at the flake %s" server-root flake)))
    (canopy-test-ok "canopy-eglot-setup roots canopy at the nearest flake.nix (nixos/), not the git repository")
    (canopy-test-wait-diagnostics '("15:28 eglot-warning [unknown-class]"
                                    "7:7 eglot-error [undefined-aspect]"))
    (canopy-test-ok "flymake shows undefined-aspect and unknown-class, and no wrong-class-import (disabled in .dir-locals.el)")
    ;; Change the settings while the server runs, as after editing .dir-locals.el.
    (setq-local eglot-workspace-configuration '(:canopy (:diagnostics (:disabled ["undefined-aspect"]))))
    (eglot-signal-didChangeConfiguration (eglot-current-server))
    (canopy-test-wait-diagnostics '("15:28 eglot-warning [unknown-class]"
                                    "22:32 eglot-error [wrong-class-import]"
                                    "3:42 eglot-error [wrong-class-import]"))
    (canopy-test-ok "eglot-signal-didChangeConfiguration applies new settings at once")

    ;; A file opened once the server has published its diagnostics: flymake shows nothing for a
    ;; file that is not open, so eglot needs the server to publish them again on didOpen.
    (canopy-test-open (expand-file-name "modules/features/unknown-class.nix" flake))
    (canopy-test-wait-diagnostics '("2:17 eglot-warning [unknown-class]"))
    (canopy-test-ok "a file opened after indexing shows its diagnostics (unknown-class.nix)")))

;;;; Run

(condition-case err
    (progn
      (canopy-test-navigation)
      (canopy-test-init-options)
      (canopy-test-helper)
      (canopy-test-reset))
  (error (canopy-test-fail "%s" (error-message-string err))))
(delete-directory canopy-test-tmp t)
(message "emacs: %d passed, 0 failed" canopy-test-passed)
(kill-emacs 0)

;;; test.el ends here
