"""The demo's usage charter (charte d'utilisation), adult and pupil versions."""

CHARTER_TITLE = "Charte d'utilisation de l'ENT-école Occitanie"

CHARTER_ADULT = """
<h2>1. Objet</h2>
<p>La présente charte fixe les règles d'utilisation du portail de publication de l'ENT-école de la
région académique Occitanie, conformément à la convention de partenariat ENT-école 2026-2027 conclue
entre l'académie et les collectivités. Elle est acceptée par chaque utilisateur à sa première connexion,
et à nouveau lorsqu'elle change de manière substantielle.</p>
<h2>2. Responsabilité de publication</h2>
<p>Chaque espace a un directeur de publication : la directrice ou le directeur de l'école pour l'espace
de l'école, le référent ville pour celui de la collectivité. Il veille à ce que rien d'illicite,
d'injurieux ou de diffamatoire ne soit publié et peut retirer tout contenu contraire à la présente
charte. Les messages des associations de parents et des associations éducatives sont publiés sous sa
responsabilité, après sa validation.</p>
<h2>3. Règles que chacun s'engage à respecter</h2>
<ul>
<li><strong>Neutralité</strong> : le service public d'éducation est neutre ; aucun contenu à caractère
politique, religieux ou commercial n'est publié.</li>
<li><strong>Discrétion professionnelle</strong> : les personnels ne divulguent pas les informations dont ils
ont connaissance dans l'exercice de leurs fonctions ; personne ne publie d'information sur la situation
personnelle d'un élève ou d'une famille.</li>
<li><strong>Correction</strong> : les échanges restent courtois et mesurés, dans une langue correcte.</li>
<li><strong>Dignité</strong> : aucun contenu ne porte atteinte à la dignité d'une personne.</li>
<li>Aucun contenu <strong>illicite, injurieux ou diffamatoire</strong> n'est publié ni transmis.</li>
</ul>
<h2>4. Infractions que chacun doit connaître</h2>
<ul>
<li>la diffamation et l'injure, publiques ou non (loi du 29 juillet 1881 sur la liberté de la presse) ;</li>
<li>la provocation à la discrimination, à la haine ou à la violence, l'apologie de crimes, la
contestation de crimes contre l'humanité (même loi) ;</li>
<li>l'atteinte à la vie privée et au droit à l'image : photographier, filmer ou publier une personne
sans son accord, ou celui de ses représentants légaux pour un mineur (article 9 du code civil,
articles 226-1 et suivants du code pénal) ;</li>
<li>le harcèlement, y compris en ligne (articles 222-33-2-2 et 222-33-2-3 du code pénal) ;</li>
<li>l'usurpation d'identité (article 226-4-1 du code pénal) : chacun garde son mot de passe pour lui ;</li>
<li>la contrefaçon : publier une œuvre (texte, image, musique, vidéo) sans l'autorisation de son auteur
(code de la propriété intellectuelle) ;</li>
<li>l'accès ou le maintien frauduleux dans un système informatique, l'entrave à son fonctionnement
(articles 323-1 et suivants du code pénal) ;</li>
<li>la diffusion de contenus à caractère pornographique ou violent susceptibles d'être vus par un mineur
(article 227-24 du code pénal).</li>
</ul>
<h2>5. Données personnelles</h2>
<p>Le responsable du traitement est le recteur de la région académique Occitanie. Vous disposez des droits
d'information, d'accès, de rectification, d'opposition, de limitation et du droit de définir des
directives post-mortem ; vous les exercez depuis la page « Mes données » du portail. Les données d'une
personne qui n'a plus de raison d'avoir un compte sont supprimées dans un délai de trois mois.</p>
<h2>6. Manquements</h2>
<p>Tout manquement à la présente charte peut entraîner le retrait du contenu, la suspension du compte et,
le cas échéant, des poursuites disciplinaires ou pénales.</p>
"""

CHARTER_PUPIL = """
<h2>La charte de l'ENT, pour les élèves</h2>
<p>L'ENT est l'espace numérique de ton école. Pour que tout le monde s'y sente bien, tu t'engages à
respecter ces règles. Lis-les avec un adulte : tes parents, ta maîtresse ou ton maître.</p>
<ul>
<li><strong>Je suis poli</strong> : j'écris correctement et gentiment, comme en classe.</li>
<li><strong>Je respecte les autres</strong> : je ne me moque de personne, je n'insulte personne, je ne dis
pas de mensonges sur quelqu'un. Insulter ou dire du mal de quelqu'un en public, c'est interdit par la
loi.</li>
<li><strong>Je ne publie pas la photo de quelqu'un</strong> sans lui demander, et sans demander à ses
parents.</li>
<li><strong>Je garde mon mot de passe secret</strong> : je ne le donne à personne, sauf à mes parents, et
je n'utilise pas le compte d'un autre.</li>
<li><strong>Je ne copie pas</strong> le travail des autres (textes, images, musiques) sans dire qui en est
l'auteur et sans son accord.</li>
<li><strong>L'ENT est l'espace de l'école</strong> : on n'y fait pas de publicité et on n'y parle pas de
politique ni de religion.</li>
<li><strong>Si quelque chose me gêne ou me fait peur</strong>, j'en parle tout de suite à un adulte :
mes parents, ma maîtresse, mon maître ou la directrice ou le directeur de l'école.</li>
</ul>
<p>Ce que l'ENT sait de toi (ton nom, ta classe) est protégé : tes parents peuvent le consulter et
demander à le corriger dans « Mes données ».</p>
<p>Si je ne respecte pas ces règles, ce que j'ai écrit peut être retiré et mon compte peut être
suspendu.</p>
"""
