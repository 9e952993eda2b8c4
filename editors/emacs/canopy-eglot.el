;;; canopy-eglot.el --- Eglot set-up for canopy, the dendritic Nix language server -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools
;; SPDX-License-Identifier: MIT OR Apache-2.0

;;; Commentary:

;; Optional.  One line of configuration is enough to use canopy with eglot:
;;
;;   (with-eval-after-load 'eglot
;;     (add-to-list 'eglot-server-programs '((nix-mode nix-ts-mode) . ("canopy" "lsp"))))
;;
;; This file does the same in `canopy-eglot-setup', and adds one thing eglot lacks: it roots the
;; server at the nearest folder holding a `flake.nix'.  Eglot roots a server at the project that
;; project.el finds, which is the whole git repository; when the flake lives in a subfolder of it
;; (a dotfiles repository with `nixos/flake.nix'), canopy would otherwise read the whole
;; repository as one workspace.
;;
;;   (require 'canopy-eglot)
;;   (canopy-eglot-setup)
;;   (add-hook 'nix-mode-hook #'eglot-ensure)     ; or nix-ts-mode-hook
;;
;; Settings (see docs/server.md, "Settings") go in `eglot-workspace-configuration', best in a
;; `.dir-locals.el' at the flake's root:
;;
;;   ((nil . ((eglot-workspace-configuration
;;             . (:canopy (:diagnostics (:disabled ["unknown-class"] :unusedAspect t)))))))
;;
;; Eglot runs one server per buffer: with this set-up canopy replaces nil or nixd for Nix buffers.

;;; Code:

(require 'eglot)
(require 'project)

(defgroup canopy-eglot nil
  "Eglot set-up for the canopy language server."
  :group 'eglot
  :prefix "canopy-eglot-")

(defcustom canopy-eglot-modes '(nix-mode nix-ts-mode)
  "Major modes whose buffers canopy serves, in one server per flake."
  :type '(repeat symbol))

(defcustom canopy-eglot-command '("canopy" "lsp")
  "The command that starts the server, and its arguments.
The program is looked up on `exec-path' unless it is a full path."
  :type '(repeat string))

(defun canopy-eglot-flake-project (dir)
  "The project of DIR for eglot: the nearest folder above DIR with a `flake.nix'.
Only while eglot looks for a server's root (`eglot-lsp-context') from a
buffer of one of `canopy-eglot-modes', so that the rest of Emacs keeps its
usual projects.  Returns nil, letting the other `project-find-functions'
decide, when no `flake.nix' is found."
  (when-let* (((bound-and-true-p eglot-lsp-context))
              ((apply #'derived-mode-p canopy-eglot-modes))
              (root (locate-dominating-file dir "flake.nix")))
    ;; project.el's own "transient" kind: a folder with no version-control semantics.
    (cons 'transient (file-name-as-directory (expand-file-name root)))))

;;;###autoload
(defun canopy-eglot-setup ()
  "Have eglot start canopy for `canopy-eglot-modes'.
Each server is rooted at the nearest folder with a `flake.nix'."
  (add-to-list 'eglot-server-programs (cons canopy-eglot-modes canopy-eglot-command))
  ;; Before project.el's VC lookup, so that the flake wins over the repository around it.
  (add-hook 'project-find-functions #'canopy-eglot-flake-project))

(provide 'canopy-eglot)
;;; canopy-eglot.el ends here
