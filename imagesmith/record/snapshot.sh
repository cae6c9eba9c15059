# imagesmith package snapshot: installed dpkg, pip and conda packages, one section each.
if command -v dpkg-query >/dev/null 2>&1; then
    echo '### dpkg'
    dpkg-query -W -f='${Package}\t${Version}\t${db:Status-Abbrev}\n' 2>/dev/null
fi
for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -m pip --version >/dev/null 2>&1; then
        echo "### pip $(command -v "$py")"
        "$py" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null
        break
    fi
done
if command -v conda >/dev/null 2>&1; then
    echo '### conda'
    conda list --export 2>/dev/null
fi
