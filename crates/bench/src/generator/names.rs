//! Word lists: what aspects, hosts, users, services and packages are called in real dendritic
//! repositories. Names are drawn without repetition, growing suffixes once the plain words run out,
//! so a 50,000-file workspace still reads like configuration rather than `aspect12345`.

use std::collections::HashSet;

use crate::rng::Rng;

/// Feature areas: the first word of most aspect names.
pub const AREAS: &[&str] = &[
    "base",
    "desktop",
    "dev",
    "gaming",
    "server",
    "media",
    "net",
    "security",
    "shell",
    "editor",
    "fonts",
    "audio",
    "printing",
    "virt",
    "backup",
    "monitoring",
    "mail",
    "cloud",
    "k8s",
    "python",
    "rust",
    "go",
    "node",
    "latex",
    "photo",
    "music",
    "vpn",
    "bluetooth",
    "laptop",
    "power",
    "kde",
    "gnome",
    "hyprland",
    "sway",
    "wayland",
    "nvidia",
    "amd",
    "intel",
    "docker",
    "podman",
    "libvirt",
    "terminal",
    "browser",
    "office",
    "chat",
    "secrets",
    "nix",
    "boot",
    "locale",
    "users",
    "storage",
    "zfs",
    "btrfs",
    "home",
    "work",
    "build",
    "ci",
    "web",
    "db",
    "proxy",
    "dns",
    "wifi",
    "firewall",
    "ssh",
    "git",
    "theme",
    "input",
    "display",
    "graphics",
    "streaming",
    "sync",
    "notes",
    "ai",
];

/// Second words: what the feature is about.
pub const TOPICS: &[&str] = &[
    "tools",
    "apps",
    "settings",
    "services",
    "cli",
    "gui",
    "extras",
    "defaults",
    "hardening",
    "tweaks",
    "packages",
    "config",
    "profile",
    "stack",
    "suite",
    "utils",
    "env",
    "support",
    "daemon",
    "client",
    "agent",
    "plugins",
    "keybinds",
    "fonts",
    "themes",
    "scripts",
    "cache",
    "mirror",
    "tuning",
    "workstation",
    "minimal",
    "full",
    "common",
    "optional",
    "experimental",
    "legacy",
    "remote",
    "local",
    "portable",
];

pub const SERVICES: &[&str] = &[
    "openssh",
    "nginx",
    "postgresql",
    "tailscale",
    "syncthing",
    "prometheus",
    "grafana",
    "jellyfin",
    "caddy",
    "redis",
    "mysql",
    "fail2ban",
    "avahi",
    "printing",
    "pipewire",
    "blueman",
    "fwupd",
    "thermald",
    "tlp",
    "upower",
    "gitea",
    "vaultwarden",
    "home-assistant",
    "mosquitto",
    "loki",
    "promtail",
    "node-exporter",
    "restic",
    "borgbackup",
    "transmission",
    "samba",
    "nfs",
    "dnsmasq",
    "unbound",
    "adguardhome",
    "wireguard",
    "xserver",
    "displayManager",
    "flatpak",
    "fstrim",
    "smartd",
    "earlyoom",
    "journald",
    "resolved",
    "timesyncd",
    "chrony",
    "cron",
    "atd",
];

pub const PROGRAMS: &[&str] = &[
    "git",
    "zsh",
    "fish",
    "bash",
    "neovim",
    "tmux",
    "firefox",
    "chromium",
    "direnv",
    "starship",
    "fzf",
    "bat",
    "eza",
    "zoxide",
    "htop",
    "btop",
    "gpg",
    "ssh",
    "helix",
    "vscode",
    "kitty",
    "alacritty",
    "wezterm",
    "foot",
    "waybar",
    "rofi",
    "mpv",
    "obs-studio",
    "steam",
    "gamemode",
    "thunderbird",
    "zathura",
    "yazi",
    "lazygit",
    "jq",
    "atuin",
    "carapace",
    "nushell",
    "password-store",
    "nix-index",
    "home-manager",
    "dconf",
    "gnupg",
    "less",
    "man",
];

pub const PACKAGES: &[&str] = &[
    "git",
    "vim",
    "ripgrep",
    "fd",
    "jq",
    "curl",
    "wget",
    "htop",
    "btop",
    "tree",
    "unzip",
    "zip",
    "file",
    "gnumake",
    "gcc",
    "python3",
    "nodejs",
    "go",
    "rustup",
    "cargo",
    "openssl",
    "pciutils",
    "usbutils",
    "lsof",
    "strace",
    "gdb",
    "nmap",
    "dig",
    "whois",
    "rsync",
    "rclone",
    "restic",
    "age",
    "sops",
    "ffmpeg",
    "imagemagick",
    "pandoc",
    "libreoffice",
    "gimp",
    "inkscape",
    "vlc",
    "mpv",
    "yt-dlp",
    "neofetch",
    "fastfetch",
    "tealdeer",
    "du-dust",
    "duf",
    "ncdu",
    "bottom",
    "hyperfine",
    "tokei",
    "just",
    "nix-tree",
    "nix-output-monitor",
    "nvd",
    "alejandra",
    "nixfmt-rfc-style",
    "statix",
    "deadnix",
    "shellcheck",
    "shfmt",
    "sqlite",
    "postgresql",
    "redis",
    "docker-compose",
    "kubectl",
    "k9s",
    "helm",
    "terraform",
    "awscli2",
    "google-cloud-sdk",
    "wl-clipboard",
    "xclip",
    "grim",
    "slurp",
];

pub const HOSTS: &[&str] = &[
    "gouda",
    "brie",
    "cheddar",
    "gruyere",
    "emmental",
    "roquefort",
    "camembert",
    "feta",
    "manchego",
    "stilton",
    "halloumi",
    "mozzarella",
    "parmesan",
    "comte",
    "edam",
    "havarti",
    "raclette",
    "taleggio",
    "munster",
    "reblochon",
];

pub const USERS: &[&str] =
    &["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy"];

pub const WORDS: &[&str] = &[
    "enable",
    "default",
    "extra",
    "settings",
    "package",
    "user",
    "group",
    "port",
    "address",
    "interval",
    "timeout",
    "level",
    "path",
    "mode",
    "theme",
    "size",
    "limit",
    "retries",
    "backend",
    "cache",
    "log",
    "format",
    "compression",
];

/// Draws names never drawn before from one generator.
pub struct Unique {
    used: HashSet<String>,
}

impl Unique {
    pub fn new() -> Unique {
        Unique { used: HashSet::new() }
    }

    /// Reserves `name`; `false` when it was already taken.
    pub fn take(&mut self, name: &str) -> bool {
        self.used.insert(name.to_owned())
    }

    /// A fresh aspect name: a word, `area-topic`, or with a numeric suffix once those run out.
    pub fn aspect(&mut self, rng: &mut Rng) -> String {
        for attempt in 0.. {
            let name = match attempt {
                0..=3 if rng.chance(0.3) => rng.pick(AREAS).to_string(),
                0..=7 => format!("{}-{}", rng.pick(AREAS), rng.pick(TOPICS)),
                _ => format!("{}-{}-{}", rng.pick(AREAS), rng.pick(TOPICS), rng.range(2, 99 + attempt / 8)),
            };
            if self.take(&name) {
                return name;
            }
        }
        unreachable!()
    }

    /// A fresh name from `words`, suffixed with a number once the words are used up.
    pub fn from(&mut self, rng: &mut Rng, words: &[&str]) -> String {
        for attempt in 0.. {
            let word = rng.pick(words);
            let name = if attempt < 4 { word.to_string() } else { format!("{word}-{}", rng.range(2, 9 + attempt)) };
            if self.take(&name) {
                return name;
            }
        }
        unreachable!()
    }
}

/// A plausible misspelling of `name` (two neighbouring letters swapped, or one dropped), as
/// someone typing quickly makes them.
pub fn typo(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    // Only letters inside a word, so the result stays an identifier.
    let inner: Vec<usize> = (1..chars.len().saturating_sub(1))
        .filter(|&i| chars[i].is_ascii_lowercase() && chars[i + 1].is_ascii_lowercase())
        .collect();
    let mut out = chars.clone();
    if inner.is_empty() {
        out.push('s');
    } else if rng.chance(0.6) {
        let i = *rng.pick(&inner);
        if out[i] == out[i + 1] {
            out.remove(i);
        } else {
            out.swap(i, i + 1);
        }
    } else {
        out.remove(*rng.pick(&inner));
    }
    out.into_iter().collect()
}
